/// Defra's example request bodies (Tests/Fixtures/defra-examples), embedded for `dwt-relay demo`.
enum DemoExampleBodies {
    static let all: [(name: String, json: String)] = [
        (
            "basic-hazardous.json",
            #"""
            {
              "apiCode": "1f83215e-4b90-4785-9ab2-2614839aa2e9",
              "dateTimeReceived": "2026-11-20T12:26:24.281Z",
              "hazardousWasteConsignmentCode": "CJTILE/A0001",
              "wasteItems": [
                {
                  "ewcCodes": [
                    "200121"
                  ],
                  "wasteDescription": "Hazardous waste with heavy metal components from industrial process",
                  "physicalForm": "Mixed",
                  "numberOfContainers": 12,
                  "typeOfContainers": "SKI",
                  "weight": {
                    "metric": "Tonnes",
                    "amount": 0.75,
                    "isEstimate": false
                  },
                  "containsHazardous": true,
                  "containsPops": false,
                  "hazardous": {
                    "hazCodes": [
                      "HP_1",
                      "HP_3",
                      "HP_5"
                    ],
                    "sourceOfComponents": "PROVIDED_WITH_WASTE",
                    "components": [
                      {
                        "name": "Mercury",
                        "concentration": 12.5
                      },
                      {
                        "name": "Lead",
                        "concentration": 500
                      },
                      {
                        "name": "Cadmium",
                        "concentration": 0.75
                      }
                    ]
                  },
                  "disposalOrRecoveryCodes": [
                    {
                      "code": "R1",
                      "weight": {
                        "metric": "Tonnes",
                        "amount": 0.75,
                        "isEstimate": false
                      }
                    }
                  ]
                }
              ],
              "carrier": {
                "organisationName": "Carrier Ltd",
                "registrationNumber": "CBDL999999",
                "meansOfTransport": "Rail"
              },
              "receiver": {
                "siteName": "Receiver Ltd",
                "emailAddress": "receiver@test.com",
                "authorisationNumber": "PPC/A/9999999"
              },
              "receipt": {
                "address": {
                  "fullAddress": "123 Test Street, Test City",
                  "postcode": "TC1 2AB"
                }
              }
            }
            """#
        ),
        (
            "basic-pops-hazardous.json",
            #"""
            {
              "apiCode": "1f83215e-4b90-4785-9ab2-2614839aa2e9",
              "dateTimeReceived": "2026-11-20T12:26:24.281Z",
              "hazardousWasteConsignmentCode": "SB1234567",
              "wasteItems": [
                {
                  "ewcCodes": [
                    "200121"
                  ],
                  "wasteDescription": "Industrial waste containing persistent organic pollutants (POPs) and hazardous heavy metals from decommissioned electrical equipment and contaminated soil",
                  "physicalForm": "Mixed",
                  "numberOfContainers": 15,
                  "typeOfContainers": "SKI",
                  "weight": {
                    "metric": "Tonnes",
                    "amount": 1.2,
                    "isEstimate": true
                  },
                  "containsPops": true,
                  "pops": {
                    "sourceOfComponents": "PROVIDED_WITH_WASTE",
                    "components": [
                      {
                        "code": "CHL",
                        "concentration": 250
                      },
                      {
                        "code": "TOX",
                        "concentration": 156.4
                      },
                      {
                        "code": "DCF",
                        "concentration": 0.8
                      },
                      {
                        "code": "DDT",
                        "concentration": 1.2
                      }
                    ]
                  },
                  "containsHazardous": true,
                  "hazardous": {
                    "hazCodes": [
                      "HP_1",
                      "HP_3",
                      "HP_6"
                    ],
                    "sourceOfComponents": "PROVIDED_WITH_WASTE",
                    "components": [
                      {
                        "name": "Mercury",
                        "concentration": 0.35
                      },
                      {
                        "name": "Arsenic",
                        "concentration": 300
                      },
                      {
                        "name": "Chromium",
                        "concentration": 0.42
                      },
                      {
                        "name": "Lead",
                        "concentration": 0.89
                      }
                    ]
                  },
                  "disposalOrRecoveryCodes": [
                    {
                      "code": "R1",
                      "weight": {
                        "metric": "Tonnes",
                        "amount": 0.75,
                        "isEstimate": false
                      }
                    }
                  ]
                }
              ],
              "carrier": {
                "organisationName": "Carrier Ltd",
                "registrationNumber": "CBDL999999",
                "meansOfTransport": "Rail"
              },
              "receiver": {
                "siteName": "Receiver Ltd",
                "emailAddress": "receiver@test.com",
                "authorisationNumber": "PPC/A/9999999"
              },
              "receipt": {
                "address": {
                  "fullAddress": "123 Test Street, Test City",
                  "postcode": "TC1 2AB"
                }
              }
            }
            """#
        ),
        (
            "basic-pops.json",
            #"""
            {
              "apiCode": "1f83215e-4b90-4785-9ab2-2614839aa2e9",
              "dateTimeReceived": "2026-11-20T12:26:24.281Z",
              "wasteItems": [
                {
                  "ewcCodes": [
                    "020101"
                  ],
                  "wasteDescription": "Contaminated soil containing persistent organic pollutants (POPs) from former agricultural site with pesticide residues",
                  "physicalForm": "Mixed",
                  "numberOfContainers": 8,
                  "typeOfContainers": "SKI",
                  "weight": {
                    "metric": "Tonnes",
                    "amount": 1.8,
                    "isEstimate": true
                  },
                  "containsHazardous": false,
                  "containsPops": true,
                  "pops": {
                    "sourceOfComponents": "PROVIDED_WITH_WASTE",
                    "components": [
                      {
                        "code": "CHL",
                        "concentration": 45.2
                      },
                      {
                        "code": "DLD",
                        "concentration": 12.8
                      },
                      {
                        "code": "ALD",
                        "concentration": 8.3
                      }
                    ]
                  },
                  "disposalOrRecoveryCodes": [
                    {
                      "code": "R1",
                      "weight": {
                        "metric": "Tonnes",
                        "amount": 0.75,
                        "isEstimate": false
                      }
                    }
                  ]
                }
              ],
              "carrier": {
                "organisationName": "Carrier Ltd",
                "registrationNumber": "CBDL999999",
                "meansOfTransport": "Rail"
              },
              "receiver": {
                "siteName": "Receiver Ltd",
                "emailAddress": "receiver@test.com",
                "authorisationNumber": "PPC/A/9999999"
              },
              "receipt": {
                "address": {
                  "fullAddress": "123 Test Street, Test City",
                  "postcode": "TC1 2AB"
                }
              }
            }
            """#
        ),
        (
            "basic-required-fields-only.json",
            #"""
            {
              "apiCode": "1f83215e-4b90-4785-9ab2-2614839aa2e9",
              "dateTimeReceived": "2026-11-20T12:26:24.281Z",
              "wasteItems": [
                {
                  "ewcCodes": [
                    "020101"
                  ],
                  "wasteDescription": "Basic mixed construction and demolition waste",
                  "physicalForm": "Mixed",
                  "numberOfContainers": 3,
                  "typeOfContainers": "SKI",
                  "weight": {
                    "metric": "Tonnes",
                    "amount": 2.5,
                    "isEstimate": false
                  },
                  "containsHazardous": false,
                  "containsPops": false,
                  "disposalOrRecoveryCodes": [
                    {
                      "code": "R1",
                      "weight": {
                        "metric": "Tonnes",
                        "amount": 0.75,
                        "isEstimate": false
                      }
                    }
                  ]
                }
              ],
              "carrier": {
                "organisationName": "Carrier Ltd",
                "registrationNumber": "CBDL999999",
                "meansOfTransport": "Rail"
              },
              "receiver": {
                "siteName": "Receiver Ltd",
                "emailAddress": "receiver@test.com",
                "authorisationNumber": "PPC/A/9999999"
              },
              "receipt": {
                "address": {
                  "fullAddress": "123 Test Street, Test City",
                  "postcode": "TC1 2AB"
                }
              }
            }
            """#
        ),
        (
            "complex.json",
            #"""
            {
              "apiCode": "1f83215e-4b90-4785-9ab2-2614839aa2e9",
              "dateTimeReceived": "2026-11-20T12:26:24.281Z",
              "reasonForNoConsignmentCode": "NO_DOC_WITH_WASTE",
              "wasteItems": [
                {
                  "ewcCodes": [
                    "200121"
                  ],
                  "wasteDescription": "Industrial waste containing persistent organic pollutants (POPs) and hazardous heavy metals from decommissioned electrical equipment and contaminated soil",
                  "physicalForm": "Mixed",
                  "numberOfContainers": 15,
                  "typeOfContainers": "SKI",
                  "weight": {
                    "metric": "Tonnes",
                    "amount": 1.2,
                    "isEstimate": true
                  },
                  "containsPops": true,
                  "pops": {
                    "sourceOfComponents": "PROVIDED_WITH_WASTE",
                    "components": [
                      {
                        "code": "CHL",
                        "concentration": 250
                      },
                      {
                        "code": "TOX",
                        "concentration": 156.4
                      },
                      {
                        "code": "DCF",
                        "concentration": 0.8
                      },
                      {
                        "code": "DDT",
                        "concentration": 1.2
                      }
                    ]
                  },
                  "containsHazardous": true,
                  "hazardous": {
                    "hazCodes": [
                      "HP_1",
                      "HP_3",
                      "HP_6"
                    ],
                    "sourceOfComponents": "PROVIDED_WITH_WASTE",
                    "components": [
                      {
                        "name": "Mercury",
                        "concentration": 0.35
                      },
                      {
                        "name": "Arsenic",
                        "concentration": 300
                      },
                      {
                        "name": "Chromium",
                        "concentration": 0.42
                      },
                      {
                        "name": "Lead",
                        "concentration": 0.89
                      }
                    ]
                  },
                  "disposalOrRecoveryCodes": [
                    {
                      "code": "R1",
                      "weight": {
                        "metric": "Tonnes",
                        "amount": 0.75,
                        "isEstimate": false
                      }
                    }
                  ]
                },
                {
                  "ewcCodes": [
                    "150110"
                  ],
                  "wasteDescription": "Secondary waste containing plastic packaging and minor contaminants",
                  "physicalForm": "Solid",
                  "numberOfContainers": 5,
                  "typeOfContainers": "SKI",
                  "weight": {
                    "metric": "Tonnes",
                    "amount": 1.1,
                    "isEstimate": true
                  },
                  "containsPops": false,
                  "pops": {
                    "sourceOfComponents": "NOT_PROVIDED"
                  },
                  "containsHazardous": true,
                  "hazardous": {
                    "hazCodes": [
                      "HP_6"
                    ],
                    "sourceOfComponents": "PROVIDED_WITH_WASTE",
                    "components": [
                      {
                        "name": "Arsenic",
                        "concentration": 75
                      }
                    ]
                  },
                  "disposalOrRecoveryCodes": [
                    {
                      "code": "R1",
                      "weight": {
                        "metric": "Tonnes",
                        "amount": 0.75,
                        "isEstimate": false
                      }
                    }
                  ]
                }
              ],
              "carrier": {
                "organisationName": "Carrier Ltd",
                "registrationNumber": "CBDL999999",
                "address": {
                  "fullAddress": "321 Test Street, Test City",
                  "postcode": "TC2 2CD"
                },
                "emailAddress": "test@carrier.com",
                "phoneNumber": "01234567890",
                "meansOfTransport": "Road",
                "vehicleRegistration": "AB12 CDE"
              },
              "receiver": {
                "siteName": "Receiver Ltd",
                "emailAddress": "receiver@test.com",
                "phoneNumber": "01234567890",
                "authorisationNumber": "PPC/A/SEPA9999-9999",
                "regulatoryPositionStatements": [
                  123,
                  456
                ]
              },
              "receipt": {
                "address": {
                  "fullAddress": "123 Test Street, Test City",
                  "postcode": "TC1 2AB"
                }
              }
            }
            """#
        ),
        (
            "error-missing-organisationapiid-as-a-required-field.json",
            #"""
            {
              "dateTimeReceived": "2026-11-20T12:26:24.281Z",
              "wasteItems": [
                {
                  "ewcCodes": [
                    "020101"
                  ],
                  "wasteDescription": "Basic mixed construction and demolition waste",
                  "physicalForm": "Mixed",
                  "numberOfContainers": 3,
                  "typeOfContainers": "SKI",
                  "weight": {
                    "metric": "Tonnes",
                    "amount": 2.5,
                    "isEstimate": false
                  },
                  "containsHazardous": false,
                  "containsPops": false
                }
              ],
              "carrier": {
                "organisationName": "Carrier Ltd",
                "registrationNumber": "CBDL999999",
                "meansOfTransport": "Rail"
              },
              "receiver": {
                "siteName": "Test Receiver Ltd",
                "emailAddress": "receiver@test.com",
                "authorisationNumber": "PPC/A/9999999"
              },
              "receipt": {
                "address": {
                  "fullAddress": "123 Test Street, Test City",
                  "postcode": "TC1 2AB"
                }
              }
            }
            """#
        ),
        (
            "warning-missing-disposal-codes.json",
            #"""
            {
              "apiCode": "1f83215e-4b90-4785-9ab2-2614839aa2e9",
              "dateTimeReceived": "2026-11-20T12:26:24.281Z",
              "wasteItems": [
                {
                  "ewcCodes": [
                    "020101"
                  ],
                  "wasteDescription": "Basic mixed construction and demolition waste",
                  "physicalForm": "Mixed",
                  "numberOfContainers": 3,
                  "typeOfContainers": "SKI",
                  "weight": {
                    "metric": "Tonnes",
                    "amount": 2.5,
                    "isEstimate": false
                  },
                  "containsHazardous": false,
                  "containsPops": false
                }
              ],
              "carrier": {
                "organisationName": "Carrier Ltd",
                "registrationNumber": "CBDL999999",
                "meansOfTransport": "Rail"
              },
              "receiver": {
                "siteName": "Test Receiver Ltd",
                "emailAddress": "receiver@test.com",
                "authorisationNumber": "PPC/A/9999999"
              },
              "receipt": {
                "address": {
                  "fullAddress": "123 Test Street, Test City",
                  "postcode": "TC1 2AB"
                }
              }
            }
            """#
        ),
    ]
}
