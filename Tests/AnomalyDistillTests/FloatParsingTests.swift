import Foundation
import Testing
import _AnomalyDistillKernels

#if canImport(Glibc)
import Glibc
#endif

// MARK: - Helpers

/// `ad_parse_float` on the UTF-8 bytes of `text`.
private func parseFloat(_ text: String) -> (status: Int32, value: Float) {
    var value: Float = 0
    let bytes = Array(text.utf8)
    let status = bytes.withUnsafeBufferPointer { ad_parse_float($0.baseAddress, $0.count, &value) }
    return (status, value)
}

/// `ad_parse_double` on the UTF-8 bytes of `text`.
private func parseDouble(_ text: String) -> (status: Int32, value: Double) {
    var value: Double = 0
    let bytes = Array(text.utf8)
    let status = bytes.withUnsafeBufferPointer { ad_parse_double($0.baseAddress, $0.count, &value) }
    return (status, value)
}

private let finite = Int32(AD_PARSE_FINITE)
private let nonFinite = Int32(AD_PARSE_NON_FINITE)
private let notANumber = Int32(AD_PARSE_NOT_A_NUMBER)

/// The first strings in `texts` whose float or double differs from the C library's (`strtof`, `strtod`),
/// bit for bit and in status, described for a failure message.
private func mismatches(_ texts: [String], limit: Int = 5) -> [String] {
    var found: [String] = []
    for text in texts {
        let reference = strtof(text, nil)
        let parsed = parseFloat(text)
        let status = reference.isFinite ? finite : nonFinite
        if parsed.status != status || parsed.value.bitPattern != reference.bitPattern {
            found.append("float \(text): \(parsed.value) (status \(parsed.status)), strtof \(reference)")
        }
        let referenceDouble = strtod(text, nil)
        let parsedDouble = parseDouble(text)
        let statusDouble = referenceDouble.isFinite ? finite : nonFinite
        if parsedDouble.status != statusDouble || parsedDouble.value.bitPattern != referenceDouble.bitPattern {
            found.append("double \(text): \(parsedDouble.value) (status \(parsedDouble.status)), strtod \(referenceDouble)")
        }
        if found.count >= limit { break }
    }
    return found
}

/// The exact decimal `n / 10^scale`, written with a point (no exponent).
private func decimal(_ n: UInt128, scale: Int) -> String {
    guard scale > 0 else { return String(n) }
    var digits = String(n)
    if digits.count <= scale { digits = String(repeating: "0", count: scale - digits.count + 1) + digits }
    digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -scale))
    return digits
}

/// The exact decimal of `(2k + 1) · 2^power`, the midpoint between two neighbouring binary numbers
/// whose significand is `k` (in units of `2^(power + 1)`); `nil` when it does not fit in 128 bits.
private func midpoint(k: UInt64, power: Int) -> (digits: UInt128, scale: Int)? {
    let odd = UInt128(k) * 2 + 1
    if power >= 0 {
        guard power + odd.bitWidth - odd.leadingZeroBitCount < 127 else { return nil }
        return (odd << power, 0)
    }
    // 2^-s = 5^s / 10^s
    var five: UInt128 = 1
    for _ in 0..<(-power) {
        let (product, overflow) = five.multipliedReportingOverflow(by: 5)
        if overflow { return nil }
        five = product
    }
    let (product, overflow) = odd.multipliedReportingOverflow(by: five)
    return overflow ? nil : (product, -power)
}

/// The midpoint written exactly, and written just above and just below it (one more digit), in
/// plain and exponent notation, both signs.
private func midpointStrings(_ digits: UInt128, scale: Int) -> [String] {
    let exact = decimal(digits, scale: scale)
    let point = scale > 0 ? "" : "."
    let above = exact + point + "0000001"
    let below = decimal(digits - 1, scale: scale) + point + "9999999"
    let scientific = "\(digits)e-\(scale)"
    let plain = [exact, above, below, scientific]
    return plain + plain.map { "-" + $0 }
}

// MARK: - Tests

/// The exact float parser: equal to `strtof` (and `strtod`) bit for bit, and strict about what is a number.
@Suite struct FloatParsingTests {
    @Test("200,000 random decimal strings parse as strtof and strtod do")
    func randomStrings() {
        var generator = SplitMix64(seed: 20_260_101)
        var texts: [String] = []
        texts.reserveCapacity(200_000)
        for _ in 0..<200_000 { texts.append(RandomDecimal.string(using: &generator)) }
        // The sample must reach every branch: finite, overflow, underflow to zero, and subnormal floats.
        let floats = texts.map { strtof($0, nil) }
        #expect(floats.contains { $0.isInfinite })
        #expect(floats.contains { $0 == 0 })
        #expect(floats.contains { $0.isSubnormal })
        #expect(floats.filter { $0.isNormal }.count > 100_000)
        let wrong = mismatches(texts)
        #expect(wrong.isEmpty, "\(wrong.joined(separator: "\n"))")
    }

    @Test("float midpoints, and numbers just above and below them, round half to even as strtof does")
    func floatMidpoints() {
        var generator = SplitMix64(seed: 7)
        var texts: [String] = ["16777217", "16777219", "33554434", "0.5000000298023223876953125",
                               "1.00000005960464477539062500", "-16777217", "-0.5000000298023223876953125"]
        // Binades 2^-20 ... 2^100: significands of 24 bits, midpoints at the 25th.
        for _ in 0..<3000 {
            let binade = Int.random(in: -20...100, using: &generator)
            let k = UInt64.random(in: (1 << 23)..<(1 << 24), using: &generator)
            guard let (digits, scale) = midpoint(k: k, power: binade - 24) else { continue }
            texts += midpointStrings(digits, scale: scale)
        }
        #expect(texts.count > 20_000)
        let wrong = mismatches(texts)
        #expect(wrong.isEmpty, "\(wrong.joined(separator: "\n"))")
    }

    @Test("double midpoints, and numbers just above and below them, round half to even as strtod does")
    func doubleMidpoints() {
        var generator = SplitMix64(seed: 11)
        var texts: [String] = ["9007199254740993", "9007199254740995", "-9007199254740993"]
        // Binades 2^22 ... 2^120: significands of 53 bits, midpoints at the 54th.
        for _ in 0..<2000 {
            let binade = Int.random(in: 22...120, using: &generator)
            let k = UInt64.random(in: (1 << 52)..<(1 << 53), using: &generator)
            guard let (digits, scale) = midpoint(k: k, power: binade - 53) else { continue }
            texts += midpointStrings(digits, scale: scale)
        }
        #expect(texts.count > 10_000)
        let wrong = mismatches(texts)
        #expect(wrong.isEmpty, "\(wrong.joined(separator: "\n"))")
    }

    static let shapes = [
        "0", "-0", "+0", "0.0", "-0.0e5", "1", "1.", ".5", "-.5", "+.5e1", "5e3", "1E+06", "1e-06", "007",
        "0.1", "0.3", "123456789", "1234567890123456789", "12345678901234567890", "0.000001",
        "1.17549435e-38", "1.1754942e-38", "1e-40", "1.4e-45", "7e-46", "7.1e-46", "1e-50",
        "3.4028234e38", "3.4028235e38", "3.40282356779733661637539395458142568447e38",
        "3.40282356779733661637539395458142568448e38", "1.7976931348623157e308", "1e-320",
        " 1.5", "1.5 ", "\t-2.25\t", "  7  ", "00000000000000000000001.5", "1.000000000000000000000000001",
        "9999999999999999999", "99999999999999999999e-20", "1e0000000000000000000001",
    ]

    @Test("special shapes parse as strtof and strtod do", arguments: shapes)
    func specialShape(_ text: String) {
        let wrong = mismatches([text])
        #expect(wrong.isEmpty, "\(wrong.joined(separator: "\n"))")
    }

    @Test("overflow and infinities are non-finite", arguments: [
        ("3.4028236e38", Float.infinity), ("-3.4028236e38", -Float.infinity), ("1e39", .infinity),
        ("1e999", .infinity), ("-1e999", -.infinity), ("inf", .infinity), ("-inf", -.infinity),
        ("+INF", .infinity), ("Infinity", .infinity), ("-Infinity", -.infinity),
    ])
    func nonFiniteValues(_ text: String, expected: Float) {
        let parsed = parseFloat(text)
        #expect(parsed.status == nonFinite)
        #expect(parsed.value == expected)
    }

    @Test("the largest float is finite")
    func largestFloat() {
        #expect(parseFloat("3.4028235e38") == (finite, Float.greatestFiniteMagnitude))
        #expect(parseFloat("-3.4028235e38") == (finite, -Float.greatestFiniteMagnitude))
        #expect(parseDouble("3.4028236e38").status == finite)
    }

    @Test("text that is not a decimal number is rejected", arguments: [
        "", " ", "-", "+", ".", "-.", "e5", "E5", "1e", "1e+", "1e-", "1.2.3", "0x10", "1,0", "--1", "+-1",
        "nan", "NaN", "-nan", "in", "infinit", "infinityy", "1 2", "1_000", "١", "1e5x", "abc", "1..",
        "\u{00A0}1",
    ])
    func rejected(_ text: String) {
        #expect(parseFloat(text).status == notANumber)
        #expect(parseDouble(text).status == notANumber)
    }
}
