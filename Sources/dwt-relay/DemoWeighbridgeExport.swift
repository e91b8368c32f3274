import Foundation

/// The demo's CSV: a weighbridge package's ticket export in its own column names, read through a mapping
/// file onto Defra's receipt-of-waste template, with the site's fixed facts from a site defaults file. One
/// ticket has two waste items (two rows); one row has its weight typed with the unit and is refused.
enum DemoWeighbridgeExport {
    static let fileName = "demo-weighbridge-export.csv"
    /// The site's API code in the demo config (one of the service's test codes): a CSV row has no apiCode.
    static let apiCode = "1f83215e-4b90-4785-9ab2-2614839aa2e9"

    /// Yesterday in UK time, as the package writes dates (`dd/mm/yyyy`).
    static func csv(now: Date = Date()) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/London")!
        let day = calendar.dateComponents([.day, .month, .year], from: now.addingTimeInterval(-86400))
        let date = String(format: "%02d/%02d/%04d", day.day!, day.month!, day.year!)
        return """
            Ticket,Date In,Haulier,Haulier Licence,Vehicle,EWC,Material,Form,Loads,Container,Net kg,Treatment,Price
            T-1001,\(date) 07:42,Acme Haulage Ltd,CBDU111111,AB12 CDE,17 01 07,Mixed rubble,solid,1,[SKI] Skip,5400,R5,120.00
            T-1002,\(date) 08:15,Brook Recycling,CBDU222222,CD34 EFG,20 02 01,Green waste,Solid,2,[ROR] Roll-on roll-off,3120,R3,80.00
            T-1002,\(date) 08:15,Brook Recycling,CBDU222222,CD34 EFG,15 01 01,Cardboard,Solid,1,[BAL] Bale,410,R3,0.00
            T-1003,\(date) 09:03,Acme Haulage Ltd,CBDU111111,AB12 CDE,17 05 04,Soil and stones,Solid,1,[LOO] Loose,2.5t,R5,95.00

            """.replacingOccurrences(of: "\n", with: "\r\n")
    }

    /// `intake.mapping_file`: the package's headings as template columns, and what every row shares.
    static let mapping = """
        # The weighbridge package's own column names, as columns of Defra's receipt-of-waste template.
        columns:
          Ticket: Your unique reference
          Date In: {field: Date received, date_format: dd/mm/yyyy}
          Haulier: Carrier organisation name
          Haulier Licence: Carrier registration number
          Vehicle: Vehicle registration number (if by road)
          EWC: EWC code (could be multiple EWC codes for one load)
          Material: Waste description
          Form: Physical form
          Loads: Number of containers used
          Container: Type of containers
          Net kg: Total weight of waste
          Treatment: Disposal / Recovery code & Weight
        # The same for every ticket this package writes.
        values:
          Means of transport: Road
          Weight unit of measurement: Kilograms
          Is the waste weight estimated?: Actual
          Does the waste contain persistent organic pollutants (POPs)?: "No"
          Is the waste hazardous?: "No"
        # In the export, not in the record Defra keeps: left out on purpose (any other column with data
        # would refuse its row).
        ignore: [Price]

        """

    /// `site.defaults_file`: the receiving site's fixed facts, merged into every movement.
    static let siteDefaults = """
        receiver:
          siteName: Demo Recycling Centre
          authorisationNumber: EPR/AB1234CD
        receipt:
          address:
            fullAddress: 1 Quarry Lane, Demoton
            postcode: DT1 2AB

        """

    /// The movements the export should become (by their pointer) and the row refused locally.
    static let expected: [(pointer: String, state: String)] = [
        ("\(fileName).row2", "accepted"), ("\(fileName).row3", "accepted"), ("\(fileName).row5", "failed"),
    ]
}
