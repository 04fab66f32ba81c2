/// Saturating integer-nanosecond arithmetic shared by the retry primitives and the
/// connection pool (see also `Duration.wholeNanoseconds` in Support).
enum NanosecondArithmetic {
    /// `a · b` saturating at the bounds of `Int64`.
    static func multiply(_ a: Int64, _ b: Int64) -> Int64 {
        let (product, overflow) = a.multipliedReportingOverflow(by: b)
        if overflow { return (a < 0) == (b < 0) ? .max : .min }
        return product
    }
}
