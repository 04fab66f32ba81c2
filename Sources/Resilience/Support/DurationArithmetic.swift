extension Duration {
    /// The duration in whole nanoseconds (truncated toward zero), saturating at the bounds
    /// of `Int64`. The standard library has no integer accessor, and `Double` seconds
    /// lose nanoseconds past ~104 days: the primitives keep exact integer time.
    @inlinable var wholeNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        let (sum, sumOverflow) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000)
        if sumOverflow { return scaled < 0 ? .min : .max }
        return sum
    }

    /// The duration in seconds, as a `Double` (for ratios and rates, never for instants).
    @inlinable var secondsValue: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }
}
