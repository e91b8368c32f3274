"""Request bodies that probe one rule each, beyond what Defra's UAT suite covers.

Each case starts from the UAT suite's base body (test-data-manager.js) and changes one thing. Their
expected answers are not written here: build-corpus.sh asks Defra's own code (defra-verdict.mjs).
"""
import copy, json, sys

BASE = json.load(sys.stdin)  # the UAT base body, from a UAT case with no changes


def case(name, change):
    body = copy.deepcopy(BASE)
    change(body)
    return {"id": name, "body": body}


def item(b):
    return b["wasteItems"][0]


def setp(path, value):
    def change(b):
        node = b
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = copy.deepcopy(value)
    return change


def delp(path):
    def change(b):
        node = b
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]
    return change


def both(*changes):
    def change(b):
        for c in changes:
            c(b)
    return change


HAZ = both(setp(["wasteItems", 0, "ewcCodes"], ["170106"]), setp(["wasteItems", 0, "containsHazardous"], True),
           setp(["wasteItems", 0, "hazardous"], {"sourceOfComponents": "GUIDANCE", "hazCodes": ["HP_6"],
                                                  "components": [{"name": "Lead", "concentration": 12.5}]}))
POPS = both(setp(["wasteItems", 0, "containsPops"], True),
            setp(["wasteItems", 0, "pops"], {"sourceOfComponents": "OWN_TESTING",
                                              "components": [{"code": "END", "concentration": 3}]}))
W = ["wasteItems", 0]
C = ["carrier"]
cases = [
    case("base", lambda b: None),
    case("top.unknown-key", setp(["colour"], "red")),
    case("top.submittingOrganisation", setp(["submittingOrganisation"], {"defraCustomerOrganisationId": "x"})),
    case("top.apiCode-missing", delp(["apiCode"])),
    case("top.apiCode-not-uuid", setp(["apiCode"], "not-a-code")),
    case("top.apiCode-empty", setp(["apiCode"], "")),
    case("top.apiCode-number", setp(["apiCode"], 12)),
    case("date.date-only", setp(["dateTimeReceived"], "2026-11-02")),
    case("date.space-separator", setp(["dateTimeReceived"], "2026-11-02 09:30:00")),
    case("date.no-offset", setp(["dateTimeReceived"], "2026-11-02T09:30:00")),
    case("date.offset", setp(["dateTimeReceived"], "2026-11-02T09:30:00+01:00")),
    case("date.future", setp(["dateTimeReceived"], "2099-01-01T00:00:00Z")),
    case("date.uk-format", setp(["dateTimeReceived"], "02/11/2026 09:30")),
    case("date.words", setp(["dateTimeReceived"], "yesterday")),
    case("date.empty", setp(["dateTimeReceived"], "")),
    case("date.number", setp(["dateTimeReceived"], 1762075800000)),
    case("date.missing", delp(["dateTimeReceived"])),
    case("date.month-13", setp(["dateTimeReceived"], "2026-13-02T09:30:00Z")),
    case("ref.number", setp(["yourUniqueReference"], 42)),
    case("ref.empty", setp(["yourUniqueReference"], "")),
    case("ref.ok", setp(["yourUniqueReference"], "T-42")),
    case("other-refs.ok", setp(["otherReferencesForMovement"], [{"label": "PO", "reference": "123"}])),
    case("other-refs.empty-label", setp(["otherReferencesForMovement"], [{"label": "", "reference": "123"}])),
    case("other-refs.missing-reference", setp(["otherReferencesForMovement"], [{"label": "PO"}])),
    case("other-refs.not-array", setp(["otherReferencesForMovement"], "PO 123")),
    case("other-refs.unknown-key", setp(["otherReferencesForMovement"], [{"label": "PO", "reference": "1", "x": 1}])),
    case("special.5000", setp(["specialHandlingRequirements"], "x" * 5000)),
    case("special.5001", setp(["specialHandlingRequirements"], "x" * 5001)),
    case("special.emoji-2500", setp(["specialHandlingRequirements"], "\U0001F600" * 2500)),
    case("special.emoji-2501", setp(["specialHandlingRequirements"], "\U0001F600" * 2501)),
    case("special.empty", setp(["specialHandlingRequirements"], "")),
    case("items.empty", setp(["wasteItems"], [])),
    case("items.missing", delp(["wasteItems"])),
    case("items.not-array", setp(["wasteItems"], {})),
    case("items.null-item", setp(["wasteItems"], [None])),
    case("items.unknown-key", setp(W + ["colour"], "red")),
    case("ewc.seven-digits", setp(W + ["ewcCodes"], ["1701011"])),
    case("ewc.spaces", setp(W + ["ewcCodes"], ["17 01 01"])),
    case("ewc.unknown", setp(W + ["ewcCodes"], ["999999"])),
    case("ewc.six-codes", setp(W + ["ewcCodes"], ["170101", "170102", "170103", "170107", "170201", "170202"])),
    case("ewc.empty-array", setp(W + ["ewcCodes"], [])),
    case("ewc.number", setp(W + ["ewcCodes"], [170101])),
    case("ewc.string-not-array", setp(W + ["ewcCodes"], "170101")),
    case("ewc.duplicate", setp(W + ["ewcCodes"], ["170101", "170101"])),
    case("ewc.empty-string", setp(W + ["ewcCodes"], [""])),
    case("ewc.star", setp(W + ["ewcCodes"], ["170106*"])),
    case("desc.empty", setp(W + ["wasteDescription"], "")),
    case("desc.number", setp(W + ["wasteDescription"], 5)),
    case("form.lower", setp(W + ["physicalForm"], "mixed")),
    case("form.missing", delp(W + ["physicalForm"])),
    case("containers.negative", setp(W + ["numberOfContainers"], -1)),
    case("containers.zero", setp(W + ["numberOfContainers"], 0)),
    case("containers.fraction", setp(W + ["numberOfContainers"], 1.5)),
    case("containers.string", setp(W + ["numberOfContainers"], "3")),
    case("container-type.lower", setp(W + ["typeOfContainers"], "ski")),
    case("container-type.unknown", setp(W + ["typeOfContainers"], "BOX")),
    case("container-type.empty", setp(W + ["typeOfContainers"], "")),
    case("weight.missing", delp(W + ["weight"])),
    case("weight.zero", setp(W + ["weight", "amount"], 0)),
    case("weight.string", setp(W + ["weight", "amount"], "2.5")),
    case("weight.with-unit", setp(W + ["weight", "amount"], "2.5t")),
    case("weight.metric-kg", setp(W + ["weight", "metric"], "kg")),
    case("weight.estimate-string", setp(W + ["weight", "isEstimate"], "false")),
    case("weight.unknown-key", setp(W + ["weight", "unit"], "t")),
    case("weight.null", setp(W + ["weight"], None)),
    case("weight.all-missing", setp(W + ["weight"], {})),
    case("pops-flag.string", setp(W + ["containsPops"], "false")),
    case("pops-flag.missing", delp(W + ["containsPops"])),
    case("haz-flag.missing", delp(W + ["containsHazardous"])),
    case("dr.missing", delp(W + ["disposalOrRecoveryCodes"])),
    case("dr.empty", setp(W + ["disposalOrRecoveryCodes"], [])),
    case("dr.code-missing", delp(W + ["disposalOrRecoveryCodes", 0, "code"])),
    case("dr.code-unknown", setp(W + ["disposalOrRecoveryCodes", 0, "code"], "R99")),
    case("dr.code-lower", setp(W + ["disposalOrRecoveryCodes", 0, "code"], "r1")),
    case("dr.weight-missing", delp(W + ["disposalOrRecoveryCodes", 0, "weight"])),
    case("dr.weight-metric-missing", delp(W + ["disposalOrRecoveryCodes", 0, "weight", "metric"])),
    case("dr.two-codes-missing", setp(W + ["disposalOrRecoveryCodes"], [{"weight": {"metric": "Tonnes", "amount": 1, "isEstimate": False}}, {"weight": {"metric": "Tonnes", "amount": 1, "isEstimate": False}}])),
    case("dr.null-entry", setp(W + ["disposalOrRecoveryCodes"], [None])),
    case("pops.ok", POPS),
    case("pops.true-no-object", setp(W + ["containsPops"], True)),
    case("pops.true-null-object", both(setp(W + ["containsPops"], True), setp(W + ["pops"], None))),
    case("pops.true-no-source", both(POPS, delp(W + ["pops", "sourceOfComponents"]))),
    case("pops.source-invalid", both(POPS, setp(W + ["pops", "sourceOfComponents"], "LAB"))),
    case("pops.guidance-no-components", both(POPS, setp(W + ["pops", "sourceOfComponents"], "GUIDANCE"), delp(W + ["pops", "components"]))),
    case("pops.guidance-empty-components", both(POPS, setp(W + ["pops", "sourceOfComponents"], "GUIDANCE"), setp(W + ["pops", "components"], []))),
    case("pops.provided-no-components", both(POPS, setp(W + ["pops", "sourceOfComponents"], "PROVIDED_WITH_WASTE"), delp(W + ["pops", "components"]))),
    case("pops.not-provided-with-components", both(POPS, setp(W + ["pops", "sourceOfComponents"], "NOT_PROVIDED"))),
    case("pops.not-provided-no-components", both(POPS, setp(W + ["pops", "sourceOfComponents"], "NOT_PROVIDED"), delp(W + ["pops", "components"]))),
    case("pops.false-with-components", both(POPS, setp(W + ["containsPops"], False))),
    case("pops.false-with-empty-object", setp(W + ["pops"], {})),
    case("pops.code-invalid", both(POPS, setp(W + ["pops", "components", 0, "code"], "XYZ"))),
    case("pops.code-name-not-code", both(POPS, setp(W + ["pops", "components", 0, "code"], "Endosulfan"))),
    case("pops.code-empty", both(POPS, setp(W + ["pops", "components", 0, "code"], ""))),
    case("pops.concentration-missing", both(POPS, delp(W + ["pops", "components", 0, "concentration"]))),
    case("pops.concentration-null", both(POPS, setp(W + ["pops", "components", 0, "concentration"], None))),
    case("pops.concentration-zero", both(POPS, setp(W + ["pops", "components", 0, "concentration"], 0))),
    case("pops.concentration-string", both(POPS, setp(W + ["pops", "components", 0, "concentration"], "3"))),
    case("pops.component-unknown-key", both(POPS, setp(W + ["pops", "components", 0, "name"], "Endosulfan"))),
    case("pops.two-missing-concentrations", both(POPS, setp(W + ["pops", "components"], [{"code": "END"}, {"code": "HCBD"}]))),
    case("haz.ok", HAZ),
    case("haz.no-consignment-no-reason", both(HAZ)),
    case("haz.consignment-ok", both(HAZ, setp(["hazardousWasteConsignmentCode"], "CJTILE/A0001"))),
    case("haz.consignment-six-suffix", both(HAZ, setp(["hazardousWasteConsignmentCode"], "CJ123E/A0001B"))),
    case("haz.consignment-sepa", both(HAZ, setp(["hazardousWasteConsignmentCode"], "SA1234567"))),
    case("haz.consignment-bad", both(HAZ, setp(["hazardousWasteConsignmentCode"], "12345"))),
    case("haz.consignment-null", both(HAZ, setp(["hazardousWasteConsignmentCode"], None))),
    case("haz.consignment-empty", both(HAZ, setp(["hazardousWasteConsignmentCode"], ""))),
    case("haz.reason-code", both(HAZ, setp(["reasonForNoConsignmentCode"], "NO_DOC_WITH_WASTE"))),
    case("haz.reason-label", both(HAZ, setp(["reasonForNoConsignmentCode"], "No documentation provided with Waste"))),
    case("haz.reason-empty", both(HAZ, setp(["reasonForNoConsignmentCode"], ""))),
    case("nonhaz.reason-anything", setp(["reasonForNoConsignmentCode"], "whatever")),
    case("nonhaz.consignment-bad", setp(["hazardousWasteConsignmentCode"], "bad")),
    case("haz.true-no-object", both(setp(W + ["containsHazardous"], True), setp(["reasonForNoConsignmentCode"], "NO_DOC_WITH_WASTE"))),
    case("haz.no-hazcodes", both(HAZ, setp(["reasonForNoConsignmentCode"], "NO_DOC_WITH_WASTE"), delp(W + ["hazardous", "hazCodes"]))),
    case("haz.empty-hazcodes", both(HAZ, setp(["reasonForNoConsignmentCode"], "NO_DOC_WITH_WASTE"), setp(W + ["hazardous", "hazCodes"], []))),
    case("haz.hazcode-invalid", both(HAZ, setp(["reasonForNoConsignmentCode"], "NO_DOC_WITH_WASTE"), setp(W + ["hazardous", "hazCodes"], ["HP6"]))),
    case("haz.hazcode-duplicate", both(HAZ, setp(["reasonForNoConsignmentCode"], "NO_DOC_WITH_WASTE"), setp(W + ["hazardous", "hazCodes"], ["HP_6", "HP_6"]))),
    case("haz.no-source", both(HAZ, setp(["reasonForNoConsignmentCode"], "NO_DOC_WITH_WASTE"), delp(W + ["hazardous", "sourceOfComponents"]))),
    case("haz.no-source-no-hazcodes", both(HAZ, setp(["reasonForNoConsignmentCode"], "NO_DOC_WITH_WASTE"), delp(W + ["hazardous", "sourceOfComponents"]), delp(W + ["hazardous", "hazCodes"]))),
    case("haz.component-name-missing", both(HAZ, setp(["reasonForNoConsignmentCode"], "NO_DOC_WITH_WASTE"), setp(W + ["hazardous", "components"], [{"concentration": 2}]))),
    case("haz.component-bad-and-no-hazcodes", both(HAZ, setp(["reasonForNoConsignmentCode"], "NO_DOC_WITH_WASTE"), delp(W + ["hazardous", "hazCodes"]), setp(W + ["hazardous", "components", 0, "concentration"], -1))),
    case("haz.false-with-components", both(setp(W + ["hazardous"], {"components": [{"name": "Lead", "concentration": 1}]}))),
    case("haz.flag-false-hazardous-ewc", both(setp(W + ["ewcCodes"], ["170106"]), setp(["reasonForNoConsignmentCode"], "NO_DOC_WITH_WASTE"))),
    case("carrier.missing", delp(["carrier"])),
    case("carrier.null", setp(["carrier"], None)),
    case("carrier.not-object", setp(["carrier"], "Test Carrier")),
    case("carrier.unknown-key", setp(C + ["colour"], "red")),
    case("carrier.name-missing", delp(C + ["organisationName"])),
    case("carrier.reg-missing", delp(C + ["registrationNumber"])),
    case("carrier.reg-null-no-reason", setp(C + ["registrationNumber"], None)),
    case("carrier.reg-empty-no-reason", setp(C + ["registrationNumber"], "")),
    case("carrier.reg-null-reason", both(setp(C + ["registrationNumber"], None), setp(C + ["reasonForNoRegistrationNumber"], "ONE_OFF"))),
    case("carrier.reg-null-reason-invalid", both(setp(C + ["registrationNumber"], None), setp(C + ["reasonForNoRegistrationNumber"], "One off"))),
    case("carrier.reg-null-reason-empty", both(setp(C + ["registrationNumber"], None), setp(C + ["reasonForNoRegistrationNumber"], ""))),
    case("carrier.reg-and-reason", setp(C + ["reasonForNoRegistrationNumber"], "ONE_OFF")),
    case("carrier.reg-and-null-reason", setp(C + ["reasonForNoRegistrationNumber"], None)),
    case("carrier.reg-short", setp(C + ["registrationNumber"], "CBDU12")),
    case("carrier.reg-lower", setp(C + ["registrationNumber"], "cbdu1234")),
    case("carrier.reg-pct", setp(C + ["registrationNumber"], "PCT-A-1234")),
    case("carrier.reg-roc-dashes", setp(C + ["registrationNumber"], "ROC-UT-123")),
    case("carrier.reg-wcr", setp(C + ["registrationNumber"], "WCR/R/1234567")),
    case("carrier.reg-bad", setp(C + ["registrationNumber"], "ABC123")),
    case("carrier.reg-number", setp(C + ["registrationNumber"], 123456)),
    case("carrier.transport-missing", both(delp(C + ["meansOfTransport"]), delp(C + ["vehicleRegistration"]))),
    case("carrier.transport-lower", setp(C + ["meansOfTransport"], "road")),
    case("carrier.rail-with-vehicle", setp(C + ["meansOfTransport"], "Rail")),
    case("carrier.rail-no-vehicle", both(setp(C + ["meansOfTransport"], "Rail"), delp(C + ["vehicleRegistration"]))),
    case("carrier.road-no-vehicle", delp(C + ["vehicleRegistration"])),
    case("carrier.road-empty-vehicle", setp(C + ["vehicleRegistration"], "")),
    case("carrier.vehicle-long", setp(C + ["vehicleRegistration"], "ABCDEFGHIJKLMNOP")),
    case("carrier.other-means", both(setp(C + ["meansOfTransport"], "Other"), delp(C + ["vehicleRegistration"]), setp(C + ["otherMeansOfTransport"], "Horse"))),
    case("carrier.email-bad", setp(C + ["emailAddress"], "not-an-email")),
    case("carrier.email-ok", setp(C + ["emailAddress"], "ops@example.co.uk")),
    case("carrier.email-bad-tld", setp(C + ["emailAddress"], "ops@example.notatld")),
    case("carrier.phone-number", setp(C + ["phoneNumber"], 1234)),
    case("carrier.address-ok", setp(C + ["address"], {"fullAddress": "1 Road", "postcode": "TC1 2AB"})),
    case("carrier.address-irish", setp(C + ["address"], {"fullAddress": "1 Road", "postcode": "D6W 1234"})),
    case("carrier.address-no-space", setp(C + ["address"], {"fullAddress": "1 Road", "postcode": "TC12AB"})),
    case("carrier.address-lower", setp(C + ["address"], {"fullAddress": "1 Road", "postcode": "tc1 2ab"})),
    case("carrier.address-bad-postcode", setp(C + ["address"], {"fullAddress": "1 Road", "postcode": "12345"})),
    case("carrier.address-no-postcode", setp(C + ["address"], {"fullAddress": "1 Road"})),
    case("carrier.address-no-full", setp(C + ["address"], {"postcode": "TC1 2AB"})),
    case("broker.ok", setp(["brokerOrDealer"], {"organisationName": "B Ltd", "registrationNumber": "CBDU1234"})),
    case("broker.no-name", setp(["brokerOrDealer"], {"registrationNumber": "CBDU1234"})),
    case("broker.bad-reg", setp(["brokerOrDealer"], {"organisationName": "B Ltd", "registrationNumber": "X1"})),
    case("broker.empty-reg", setp(["brokerOrDealer"], {"organisationName": "B Ltd", "registrationNumber": ""})),
    case("broker.unknown-key", setp(["brokerOrDealer"], {"organisationName": "B Ltd", "reasonForNoRegistrationNumber": "ONE_OFF"})),
    case("broker.bad-email", setp(["brokerOrDealer"], {"organisationName": "B Ltd", "emailAddress": "x"})),
    case("receiver.missing", delp(["receiver"])),
    case("receiver.no-site", delp(["receiver", "siteName"])),
    case("receiver.no-auth", delp(["receiver", "authorisationNumber"])),
    case("receiver.auth-empty", setp(["receiver", "authorisationNumber"], "")),
    case("receiver.auth-spaces", setp(["receiver", "authorisationNumber"], "  EPR/AB1234CD  ")),
    case("receiver.auth-lower", setp(["receiver", "authorisationNumber"], "epr/ab1234cd")),
    case("receiver.auth-bad", setp(["receiver", "authorisationNumber"], "PERMIT-1")),
    case("receiver.auth-number", setp(["receiver", "authorisationNumber"], 1234)),
    case("receiver.auth-wml5", setp(["receiver", "authorisationNumber"], "WML12345")),
    case("receiver.auth-ni-combined", setp(["receiver", "authorisationNumber"], "WML 12/345 LN/12/34/V2")),
    case("receiver.auth-ni-ln-alone", setp(["receiver", "authorisationNumber"], "LN/12/34")),
    case("receiver.rps-ok", setp(["receiver", "regulatoryPositionStatements"], [1, 200])),
    case("receiver.rps-zero", setp(["receiver", "regulatoryPositionStatements"], [0])),
    case("receiver.rps-fraction", setp(["receiver", "regulatoryPositionStatements"], [1.5])),
    case("receiver.rps-string", setp(["receiver", "regulatoryPositionStatements"], ["1"])),
    case("receiver.rps-not-array", setp(["receiver", "regulatoryPositionStatements"], 1)),
    case("receiver.email-bad", setp(["receiver", "emailAddress"], "a@")),
    case("receiver.unknown-key", setp(["receiver", "address"], {"fullAddress": "x", "postcode": "TC1 2AB"})),
    case("receipt.missing", delp(["receipt"])),
    case("receipt.no-address", setp(["receipt"], {})),
    case("receipt.postcode-irish", setp(["receipt", "address", "postcode"], "D6W 1234")),
    case("receipt.postcode-no-space", setp(["receipt", "address", "postcode"], "TC12AB")),
    case("receipt.postcode-lower", setp(["receipt", "address", "postcode"], "tc1 2ab")),
    case("receipt.postcode-gir", setp(["receipt", "address", "postcode"], "GIR 0AA")),
    case("receipt.postcode-missing", delp(["receipt", "address", "postcode"])),
    case("receipt.full-missing", delp(["receipt", "address", "fullAddress"])),
    case("receipt.full-empty", setp(["receipt", "address", "fullAddress"], "")),
    case("receipt.unknown-key", setp(["receipt", "address", "town"], "x")),
    case("multi.second-item-bad", setp(["wasteItems"], [BASE["wasteItems"][0], {**BASE["wasteItems"][0], "ewcCodes": ["12"], "numberOfContainers": -2}])),
    case("multi.many-errors", both(delp(["receiver"]), setp(W + ["physicalForm"], "Goo"), setp(C + ["meansOfTransport"], "Rail"))),
]
json.dump(cases, sys.stdout, indent=1)
