/// The duration syntax of world files: `"250ms"`, `"8.2s"`, `"30m"`, `"1h30m"`,
/// `"100us"` (or `"100µs"`), `"5ns"`, `"0"`.
///
/// A duration is one or more `<decimal><unit>` segments with units in decreasing size
/// and each unit at most once (`1h30m`, `2m0.5s`); units are `h`, `m` (minutes), `s`,
/// `ms`, `us`/`µs`/`μs`, `ns`. The bare text `0` is zero. The value must be a whole
/// number of nanoseconds within `Int64` (about 292 years): sub-nanosecond fractions,
/// negative values, missing or unknown units and overflow are errors, with a suggestion
/// for common slips (`5sec` → `5s`, `250` → no guess, `8.2 s` → `8.2s`).
///
/// Like Go's `time.ParseDuration`, minus the sign and with exact decimal arithmetic: `8.2s`
/// is exactly 8 200 000 000 ns, never a rounded binary fraction.
public enum DurationText {
    /// Units from largest to smallest, with their size in nanoseconds.
    static let units: [(names: [String], nanoseconds: Int64)] = [
        (["h"], 3_600_000_000_000),
        (["m"], 60_000_000_000),
        (["s"], 1_000_000_000),
        (["ms"], 1_000_000),
        (["us", "µs", "μs"], 1_000),
        (["ns"], 1),
    ]

    /// Common misspellings of units, for suggestions.
    static let aliases: [String: String] = [
        "sec": "s", "secs": "s", "second": "s", "seconds": "s",
        "min": "m", "mins": "m", "minute": "m", "minutes": "m",
        "hr": "h", "hrs": "h", "hour": "h", "hours": "h",
        "msec": "ms", "msecs": "ms", "millis": "ms", "millisecond": "ms", "milliseconds": "ms",
        "usec": "us", "usecs": "us", "micros": "us", "microsecond": "us", "microseconds": "us",
        "nsec": "ns", "nsecs": "ns", "nanos": "ns", "nanosecond": "ns", "nanoseconds": "ns",
    ]

    static let unitList = "h, m, s, ms, us (or µs), ns"

    /// Parses a duration; see ``DurationText`` for the syntax.
    public static func parse(_ text: String) throws(ValueProblem) -> Duration {
        .nanoseconds(try parseNanoseconds(text))
    }

    /// Parses a duration into whole nanoseconds.
    public static func parseNanoseconds(_ text: String) throws(ValueProblem) -> Int64 {
        do throws(ValueProblem) {
            return try strictNanoseconds(text)
        } catch {
            // Suggest a repair when a forgiving reading parses (spaces, case, unit words).
            var problem = error
            if problem.suggestion == nil, let repaired = repair(text), repaired != text,
                (try? strictNanoseconds(repaired)) != nil
            {
                problem.suggestion = repaired
            }
            throw problem
        }
    }

    private static func strictNanoseconds(_ text: String) throws(ValueProblem) -> Int64 {
        if text == "0" { return 0 }
        if text.isEmpty { throw ValueProblem("empty duration") }
        var cursor = TextCursor(text)
        if cursor.current == 0x2D { throw ValueProblem("durations cannot be negative") }
        if cursor.current == 0x2B { throw ValueProblem("a duration has no sign") }
        var total: Int64 = 0
        var smallestUnitSoFar = Int64.max
        while !cursor.atEnd {
            let segmentStart = cursor.position
            guard let parts = cursor.decimal() else {
                throw ValueProblem("expected a number, found \(describe(cursor))")
            }
            let (integer, fraction) = (parts.integer, parts.fraction)
            let number = cursor.text(segmentStart..<cursor.position)
            if cursor.current == 0x2E { throw ValueProblem("expected a digit after the decimal point in \(quote(number + "."))") }
            let unit = cursor.word()
            guard !unit.isEmpty else {
                if cursor.atEnd { throw ValueProblem("missing unit after \(number) (units: \(unitList))") }
                throw ValueProblem("unexpected \(describe(cursor)) after \(number)")
            }
            guard let size = units.first(where: { $0.names.contains(unit) })?.nanoseconds else {
                throw ValueProblem("unknown unit \(quote(unit)) (units: \(unitList))")
            }
            guard size < smallestUnitSoFar else {
                throw ValueProblem("unit \(quote(unit)) out of order: units go from larger to smaller, each at most once (e.g. \"1h30m\")")
            }
            smallestUnitSoFar = size
            guard let nanoseconds = segmentNanoseconds(integer: integer, fraction: fraction, unit: size) else {
                throw ValueProblem(fractionNanoseconds(fraction, unit: size) == nil
                    ? "\(quote(number + unit)) is not a whole number of nanoseconds"
                    : "duration is too long (at most about 292 years)")
            }
            let (sum, overflow) = total.addingReportingOverflow(nanoseconds)
            guard !overflow else { throw ValueProblem("duration is too long (at most about 292 years)") }
            total = sum
        }
        return total
    }

    /// `integer.fraction × unit` in nanoseconds, or `nil` if inexact or too large.
    private static func segmentNanoseconds(integer: ArraySlice<UInt8>, fraction: ArraySlice<UInt8>, unit: Int64) -> Int64? {
        var whole: Int64 = 0
        for digit in integer {
            let (times10, o1) = whole.multipliedReportingOverflow(by: 10)
            let (next, o2) = times10.addingReportingOverflow(Int64(digit - 0x30))
            if o1 || o2 { return nil }
            whole = next
        }
        let (wholeNanoseconds, overflow) = whole.multipliedReportingOverflow(by: unit)
        if overflow { return nil }
        guard let part = fractionNanoseconds(fraction, unit: unit) else { return nil }
        let (sum, overflow2) = wholeNanoseconds.addingReportingOverflow(part)
        return overflow2 ? nil : sum
    }

    /// `0.fraction × unit` in nanoseconds if that is a whole number, else `nil`.
    private static func fractionNanoseconds(_ fraction: ArraySlice<UInt8>, unit: Int64) -> Int64? {
        var digits = fraction
        while digits.last == 0x30 { digits.removeLast() }
        if digits.isEmpty { return 0 }
        // 10^k must divide value × unit; units are at most 2^13·3^2·5^11 ns, so k ≤ 15.
        guard digits.count <= 15 else { return nil }
        var value: Int64 = 0
        for digit in digits { value = value * 10 + Int64(digit - 0x30) }
        var power: Int64 = 1
        for _ in 0..<digits.count { power *= 10 }
        let divisor = gcd(unit, power)
        let (unitPart, powerPart) = (unit / divisor, power / divisor)
        guard value % powerPart == 0 else { return nil }
        return value / powerPart * unitPart
    }

    private static func gcd(_ a: Int64, _ b: Int64) -> Int64 {
        var (x, y) = (a, b)
        while y != 0 { (x, y) = (y, x % y) }
        return x
    }

    private static func describe(_ cursor: TextCursor) -> String {
        guard let byte = cursor.current else { return "end" }
        if byte == 0x20 { return "space" }
        return JSONScanner.describeCharacter(cursor.bytes, at: cursor.position)
    }

    private static func quote(_ text: String) -> String { CanonicalJSON.quote(text) }

    /// A forgiving rewrite: no spaces, lowercase units, unit words replaced by symbols.
    private static func repair(_ text: String) -> String? {
        var out = ""
        var cursor = TextCursor(text.filter { $0 != " " && $0 != "_" })
        while !cursor.atEnd {
            let start = cursor.position
            guard cursor.decimal() != nil else { return nil }
            out += cursor.text(start..<cursor.position)
            let word = cursor.word()
            let lower = word.lowercased()
            if units.contains(where: { $0.names.contains(lower) }) {
                out += lower
            } else if let alias = aliases[lower] {
                out += alias
            } else {
                return nil
            }
        }
        return out
    }

    /// The shortest exact rendering in this syntax: `250ms`, `8.2s`, `1.5us`, `1h30m`,
    /// `2m0.5s`, `0s`; below a second one unit with a decimal fraction, from a minute on
    /// `h`/`m`/`s` segments. Negative durations get a leading `-` (which ``parse(_:)``
    /// rejects); sub-nanosecond parts are dropped and durations beyond `Int64`
    /// nanoseconds saturate.
    public static func format(_ duration: Duration) -> String {
        format(nanoseconds: nanoseconds(of: duration))
    }

    /// ``format(_:)`` for a count of nanoseconds.
    public static func format(nanoseconds: Int64) -> String {
        if nanoseconds == 0 { return "0s" }
        if nanoseconds < 0 {
            return nanoseconds == .min ? "-" + format(nanoseconds: .max) : "-" + format(nanoseconds: -nanoseconds)
        }
        if nanoseconds < 60_000_000_000 {
            for (name, size) in [("s", Int64(1_000_000_000)), ("ms", 1_000_000), ("us", 1_000)] where nanoseconds >= size {
                return decimal(nanoseconds, over: size) + name
            }
            return "\(nanoseconds)ns"
        }
        var rest = nanoseconds
        var out = ""
        let hours = rest / 3_600_000_000_000
        rest -= hours * 3_600_000_000_000
        let minutes = rest / 60_000_000_000
        rest -= minutes * 60_000_000_000
        if hours > 0 { out += "\(hours)h" }
        if minutes > 0 { out += "\(minutes)m" }
        if rest > 0 { out += decimal(rest, over: 1_000_000_000) + "s" }
        return out
    }

    /// `value / size` as an exact decimal without trailing zeros: 8_200_000_000 / 1e9 → `8.2`.
    private static func decimal(_ value: Int64, over size: Int64) -> String {
        let whole = value / size
        var fraction = value % size
        guard fraction > 0 else { return "\(whole)" }
        var digits = 0
        var scale = size
        while scale > 1 { scale /= 10; digits += 1 }
        var text = String(fraction)
        text = String(repeating: "0", count: digits - text.count) + text
        while text.last == "0" { text.removeLast(); fraction /= 10 }
        return "\(whole).\(text)"
    }

    /// The whole nanoseconds of `duration` (saturating at the bounds of `Int64`).
    public static func nanoseconds(of duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let (secondsNs, o1) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let (total, o2) = secondsNs.addingReportingOverflow(attoseconds / 1_000_000_000)
        if o1 || o2 { return seconds < 0 ? .min : .max }
        return total
    }
}
