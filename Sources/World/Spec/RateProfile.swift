/// An arrival rate that changes over virtual time: a sequence of segments, each either a
/// constant level or a linear ramp ("a dinner peak", "a flash sale at 20:00").
///
/// Arrivals follow a non-homogeneous Poisson process with this rate.
public struct RateProfile: Sendable, Equatable {
    /// One piece of the profile, starting where the previous one ended.
    public struct Segment: Sendable, Equatable {
        /// How long the segment lasts; nil only for the last one (it lasts forever).
        public var duration: Duration?
        /// Rate at the start of the segment, per second.
        public var from: Double
        /// Rate at the end (equal to `from` for a step), per second.
        public var to: Double

        /// A segment ramping linearly from `from` to `to` over `duration`.
        public init(duration: Duration?, from: Double, to: Double) {
            self.duration = duration
            self.from = from
            self.to = to
        }
    }

    /// The segments in time order.
    public var segments: [Segment]

    /// A profile made of `segments`.
    public init(segments: [Segment]) {
        precondition(!segments.isEmpty, "a rate profile needs a segment")
        self.segments = segments
    }

    /// A constant rate (per second) forever.
    public static func constant(_ perSecond: Double) -> RateProfile {
        RateProfile(segments: [Segment(duration: nil, from: perSecond, to: perSecond)])
    }

    /// The rate at `seconds` after the start: 0 after the last segment when it has a
    /// length (the traffic stops there).
    public func rate(at seconds: Double) -> Double {
        var start = 0.0
        for segment in segments {
            guard let length = segment.duration.map(\.secondsValue) else { return segment.from }
            if seconds < start + length {
                let fraction = length > 0 ? (seconds - start) / length : 0
                return segment.from + (segment.to - segment.from) * fraction
            }
            start += length
        }
        return 0
    }

    /// The highest rate anywhere in the profile (the thinning bound).
    public var peak: Double { segments.map { max($0.from, $0.to) }.max() ?? 0 }
}

extension Duration {
    /// The duration in seconds.
    var secondsValue: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }
}
