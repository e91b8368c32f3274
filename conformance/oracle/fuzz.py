"""A seeded mutation fuzzer over Receipt API bodies: each case is the UAT base body with one to three edits
drawn from the families where offline validation and Defra's code have been seen to differ (trailing line
terminators, Unicode look-alikes and case folding, BOM and whitespace, numbers near 2^53, date forms V8
reads, e-mail domains, the consignment code, nulls and wrong types), plus the ordinary ones (removals,
empty values, unknown keys, enum spellings).

Not generated: a `__proto__` key. Defra's service refuses such a payload before validation (hapi parses
request JSON with Bourne, `protoAction: 'error'`), which defra-verdict.mjs, running the schema alone, cannot
see: JSON.parse makes it an own property and Joi's clone drops it, so the oracle would say 201.

Usage: fuzz.py SEED COUNT <base.json >fuzz-cases.json
Each case is {"id", "family", "ops"}; an op is ["set", path, value] or ["del", path]. build-fuzz-corpus.sh
applies the ops, asks Defra's code (defra-verdict.mjs), and writes conformance/fuzz-corpus.json; the
Swift test applies the same ops to the same base, so the corpus stores edits, not 5,000 bodies.
"""
import copy, json, random, sys

TERMINATORS = ["\n", "\r", "\r\n", "\f", "\v", "\u0085", "\u2028", "\u2029", "\t", " ", "\u00a0", "\ufeff", "\u3000"]
LOOKALIKES = {"K": "\u212a", "s": "\u017f", "A": "\u0391", "O": "\u039f", "i": "\u0131", "k": "\u212a"}

W = ["wasteItems", 0]
C = ["carrier"]

# Fields with a pattern or a list of values, and a good value for each: the edits bend these.
STRINGS = {
    ("apiCode",): "6ec41fb6-91c9-4852-83e7-46c426179f7f",
    ("dateTimeReceived",): "2026-11-02T09:30:00.000Z",
    ("yourUniqueReference",): "WB-2001",
    ("hazardousWasteConsignmentCode",): "ABC123/45678",
    ("receipt", "address", "postcode"): "TC1 2AB",
    ("receipt", "address", "fullAddress"): "123 Test Street, Test City",
    ("receiver", "siteName"): "Test Receiver Ltd",
    ("receiver", "authorisationNumber"): "PPC/A/9999999",
    ("receiver", "emailAddress"): "office@example.com",
    ("carrier", "registrationNumber"): "CBDL999999",
    ("carrier", "organisationName"): "Test Carrier Ltd",
    ("carrier", "meansOfTransport"): "Road",
    ("carrier", "vehicleRegistration"): "AB12 CDE",
    ("carrier", "emailAddress"): "haulier@example.com",
    ("carrier", "phoneNumber"): "01234 567890",
    ("wasteItems", 0, "wasteDescription"): "Mixed waste",
    ("wasteItems", 0, "physicalForm"): "Mixed",
    ("wasteItems", 0, "typeOfContainers"): "SKI",
    ("wasteItems", 0, "weight", "metric"): "Tonnes",
    ("wasteItems", 0, "disposalOrRecoveryCodes", 0, "code"): "R1",
    ("wasteItems", 0, "ewcCodes", 0): "020101",
}
NUMBERS = [("wasteItems", 0, "numberOfContainers"), ("wasteItems", 0, "weight", "amount"),
           ("wasteItems", 0, "disposalOrRecoveryCodes", 0, "weight", "amount")]
BOOLEANS = [("wasteItems", 0, "containsHazardous"), ("wasteItems", 0, "containsPops"),
            ("wasteItems", 0, "weight", "isEstimate")]
DATES = ["2026-11-02T09:30:00+01", "2026-11-02T09:30:00,5Z", "2026-306T09:30:00Z", "2026-11-02T09:30Z",
         "2026-11-02T09:30:00.123456Z", "2026-11-02T9:30:00Z", "2026-11-02t09:30:00z", "2026-11-02T09:30:00+0100",
         "2026-11-02T24:00:00Z", "2026-02-29T09:30:00Z", "2028-02-29T09:30:00Z", "+002026-11-02T09:30:00Z",
         "2026-11-02T09:30:60Z", "Mon, 02 Nov 2026 09:30:00 GMT", "2026/11/02 09:30", "2026-11-02T09:30:00.000-00:00",
         "2026-11-02T09:30:00.Z", "20261102T093000Z", "2026-11-02T09:30:00 Z", " 2026-11-02T09:30:00Z",
         "2026-11-02", "2026-11", "2026", "11/02/2026", "2026-11-02T09:30:00.000+14:00", "2026-11-02T09:30:00-12:00"]
EMAILS = ["office@exämple.com", "office@例え.jp", "öffice@example.com", "office@xn--exmple-cua.com", "office@example",
          "office@localhost", "a@b.co", "office@@example.com", "office@example..com", ".office@example.com",
          "office@-example.com", "office@example.c", "office@" + "a" * 64 + ".com", "x" * 65 + "@example.com",
          "office@example.com.", "OFFICE@EXAMPLE.COM", "office+tag@example.com", "office@[127.0.0.1]"]
BIG = [2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), -(2 ** 53) - 2, 1e20, 9007199254740993, 1e-7, 0.1 + 0.2,
       1e308, -0.0, 5e-324, 123456789012345678901234567890]
ODD_TYPES = [None, "", " ", 0, -1, 1.5, True, False, [], {}, ["x"], {"a": 1}, "null", "true", "0"]


def bend(text, rng):
    """A string value bent the ways that have split verdicts before."""
    kind = rng.randrange(9)
    if kind == 0:
        return text + rng.choice(TERMINATORS)
    if kind == 1:
        return rng.choice(TERMINATORS) + text
    if kind == 2:
        chars = [LOOKALIKES.get(c, c) if rng.random() < 0.5 else c for c in text]
        return "".join(chars)
    if kind == 3:
        return text.lower() if rng.random() < 0.5 else text.upper()
    if kind == 4:
        index = rng.randrange(len(text) + 1) if text else 0
        return text[:index] + rng.choice(["\u0301", "\u200b", "\u00ad", "\ufeff", "\U0001F600", "\u0000"]) + text[index:]
    if kind == 5:
        return text[: rng.randrange(len(text) + 1)] if text else "x"
    if kind == 6:
        return text * rng.choice([2, 10, 60])
    if kind == 7:
        return text.replace(" ", rng.choice(["", "  ", "\t", "\u00a0"]))
    return rng.choice(["\u0130", "\u212a", "\u017f", "\u00df", "ǅ"]) + text


def edit(rng):
    """One edit: (family, op)."""
    family = rng.choice(["bend", "bend", "bend", "date", "email", "number", "boolean", "type", "remove",
                         "unknown-key", "consignment", "items", "hazardous", "pops"])
    if family == "bend":
        path, good = rng.choice(list(STRINGS.items()))
        return family, ["set", list(path), bend(good, rng)]
    if family == "date":
        value = rng.choice(DATES)
        if rng.random() < 0.3:
            value = bend(value, rng)
        return family, ["set", ["dateTimeReceived"], value]
    if family == "email":
        return family, ["set", rng.choice([["receiver", "emailAddress"], ["carrier", "emailAddress"]]), rng.choice(EMAILS)]
    if family == "number":
        value = rng.choice(BIG + [rng.uniform(-10, 10), rng.randrange(-5, 100)])
        return family, ["set", list(rng.choice(NUMBERS)), value]
    if family == "boolean":
        return family, ["set", list(rng.choice(BOOLEANS)), rng.choice(ODD_TYPES)]
    if family == "type":
        path = rng.choice(list(STRINGS) + NUMBERS + BOOLEANS)
        return family, ["set", list(path), rng.choice(ODD_TYPES)]
    if family == "remove":
        path = rng.choice(list(STRINGS) + NUMBERS + BOOLEANS + [("carrier",), ("receiver",), ("receipt",),
                                                               ("wasteItems", 0, "weight"), ("receipt", "address")])
        return family, ["del", list(path)]
    if family == "unknown-key":
        parent = rng.choice([[], ["carrier"], ["receiver"], ["receipt"], ["receipt", "address"], W, W + ["weight"]])
        return family, ["set", parent + [rng.choice(["colour", "", " ", "constructor", "toString", "apiCode "])], "x"]
    if family == "consignment":
        value = rng.choice([["ABC123/45678"], ["ABC123/45678", "X"], [], "abc123/45678", "ABC123/45678 ", "EA/1234",
                            "DEF456/78901", None, 5, "", "ABCDE/12345", "ABC12/3456Q", "CJTILE/FG2WA", {"code": "x"}])
        return family, ["set", ["hazardousWasteConsignmentCode"], value]
    if family == "items":
        value = rng.choice([[None], [None, None], [{}], "item", [[]], [1]])
        if rng.random() < 0.5:
            return family, ["set", ["wasteItems", 1], rng.choice([None, {}, 5, "x"])]
        return family, ["set", ["wasteItems"], value]
    if family == "hazardous":
        hazardous = {"sourceOfComponents": rng.choice(["GUIDANCE", "OWN_TESTING", "PROVIDED_WITH_WASTE", "NOT_PROVIDED",
                                                       "guidance", ""]),
                     "hazCodes": rng.choice([["HP_6"], ["HP6"], ["hp_6"], [], ["HP_6", "HP_6"], None]),
                     "components": rng.choice([[{"name": "Lead", "concentration": rng.choice([12.5, 0, -1, "5", None])}],
                                               [], None, [{"name": "", "concentration": 1}]])}
        hazardous = {k: v for k, v in hazardous.items() if v is not None or rng.random() < 0.5}
        return family, ["set", W + ["hazardous"], hazardous]
    pops = {"sourceOfComponents": rng.choice(["GUIDANCE", "OWN_TESTING", "NOT_PROVIDED", "PROVIDED_WITH_WASTE", "x"]),
            "components": rng.choice([[{"code": rng.choice(["END", "end", "XXX", "PFOS", ""]),
                                        "concentration": rng.choice([3, 0, -2, "3", None, 2 ** 53 + 2])}], [], None])}
    return family, ["set", W + ["pops"], pops]


def main():
    seed, count = int(sys.argv[1]), int(sys.argv[2])
    rng = random.Random(seed)
    json.load(sys.stdin)  # the base body: read so the pipeline fails early if it is missing
    cases = []
    for number in range(count):
        edits = [edit(rng) for _ in range(rng.choice([1, 1, 1, 2, 2, 3]))]
        # A flag and its object go together half the time, so the hazardous and POPs rules are reached.
        families = [family for family, _ in edits]
        if "hazardous" in families and rng.random() < 0.7:
            edits.append(("hazardous", ["set", W + ["containsHazardous"], True]))
        if "pops" in families and rng.random() < 0.7:
            edits.append(("pops", ["set", W + ["containsPops"], True]))
        cases.append({"id": f"fuzz-{seed}-{number:05d}", "family": "+".join(sorted(set(families))),
                      "ops": [op for _, op in edits]})
    json.dump(cases, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
