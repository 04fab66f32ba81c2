import World

/// A rate profile's cumulative rate Λ(t) = ∫₀ᵗ rate, inverted: given an instant and an
/// amount of "arrival mass", the instant at which that much mass has accumulated.
///
/// Arrivals of a non-homogeneous Poisson process are then sampled exactly, one unit
/// exponential draw each: the next arrival after `t` is at Λ⁻¹(Λ(t) + E). Unlike
/// thinning at the profile's peak, the work is one draw per arrival whatever the
/// profile's shape: a one-nanosecond spike to 10⁹/s costs nothing outside the spike, and
/// a silent stretch costs nothing at all.
///
/// Each segment is a level or a linear ramp, so within a segment the mass is a quadratic
/// in the elapsed time and is solved in closed form.
struct CumulativeRate: Sendable {
    /// One segment in absolute seconds.
    private struct Piece: Sendable {
        var start: Double
        /// `.infinity` for a last segment that lasts forever.
        var end: Double
        var from: Double
        /// Rate change per second (0 for a level, and for the everlasting last segment).
        var slope: Double
    }

    private let pieces: [Piece]

    /// The cumulative rate of `profile`.
    init(_ profile: RateProfile) {
        var pieces: [Piece] = []
        var start = 0.0
        for segment in profile.segments {
            guard let length = segment.duration.map(\.secondsValue) else {
                pieces.append(Piece(start: start, end: .infinity, from: segment.from, slope: 0))
                break
            }
            let slope = length > 0 ? (segment.to - segment.from) / length : 0
            pieces.append(Piece(start: start, end: start + length, from: segment.from, slope: slope))
            start += length
        }
        self.pieces = pieces
    }

    /// The instant (seconds) after `seconds` by which `mass` (> 0) more arrivals are
    /// expected, or nil if the profile never accumulates that much more (it ends, or
    /// stays at zero). `segment` is a cursor into the profile, advanced as time goes on
    /// (start it at 0; instants must not go backwards).
    func instant(after seconds: Double, mass: Double, segment: inout Int) -> Double? {
        var time = seconds
        var left = mass
        while segment < pieces.count {
            let piece = pieces[segment]
            guard time < piece.end else {
                segment += 1
                continue
            }
            time = max(time, piece.start)
            let rate = max(piece.from + piece.slope * (time - piece.start), 0)
            if piece.end == .infinity {
                return rate > 0 ? time + left / rate : nil
            }
            let endRate = max(piece.from + piece.slope * (piece.end - piece.start), 0)
            let available = (rate + endRate) / 2 * (piece.end - time)
            if left <= available {
                // rate·x + slope/2·x² = left, in the form that stays exact when the slope
                // is zero or tiny: x = 2·left / (rate + √(rate² + 2·slope·left)).
                let root = max(rate * rate + 2 * piece.slope * left, 0).squareRoot()
                let denominator = rate + root
                if denominator > 0 { return min(time + 2 * left / denominator, piece.end) }
                return piece.end
            }
            left -= available
            time = piece.end
            segment += 1
        }
        return nil
    }
}
