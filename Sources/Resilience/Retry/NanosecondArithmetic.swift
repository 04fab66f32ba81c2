/// Exact, saturating integer-nanosecond arithmetic on `Duration`, shared by the retry
/// primitives and the connection pool (internal: `Duration` has no integer accessor in
/// the standard library, and `Double` seconds lose nanoseconds past ~104 days).
enum NanosecondArithmetic {
    /// `duration` in whole nanoseconds (truncated toward zero), saturating at the bounds
    /// of `Int64`.
    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        let (sum, sumOverflow) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000)
        if sumOverflow { return scaled < 0 ? .min : .max }
        return sum
    }

    /// `a · b` saturating at the bounds of `Int64`.
    static func multiply(_ a: Int64, _ b: Int64) -> Int64 {
        let (product, overflow) = a.multipliedReportingOverflow(by: b)
        if overflow { return (a < 0) == (b < 0) ? .max : .min }
        return product
    }

    /// `duration` in seconds, as a `Double` (for ratios, never for instants).
    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }
}
