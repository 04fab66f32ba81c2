import SimKernel

extension WorldSpec {
    /// A fault must be able to fire: one at or after the world's `duration` is refused at
    /// its `at` (the run stops before it, so the world would silently run without it).
    static func checkFaultTimes(_ o: ObjectReader, duration: Duration?, faults: [FaultSpec]) {
        guard let duration else { return }
        for (index, fault) in faults.enumerated() where fault.at >= duration {
            o.reject(at: ["faults", .index(index), "at"],
                     expected: "an instant before the world's duration (\(duration.formattedShort))",
                     detail: "the run stops at \(duration.formattedShort), so this fault would never fire")
        }
    }

    /// When the traffic stops arriving, if the world says: the end of its rate profile
    /// (and of its bad traffic's). Nil when the traffic never ends by itself (it ends at
    /// `duration`, or after `traffic.customers`, whose instant is not known in advance).
    public var trafficEnd: Duration? {
        guard traffic.customers == nil, let end = traffic.rate.end else { return nil }
        guard let bad = traffic.badTraffic else { return end }
        return bad.end.map { max(end, $0) }
    }

    /// Faults after the traffic has ended, which fire only if the world is still busy then
    /// (a world ends when its work does; a pending fault does not keep it alive): one
    /// sentence each, for ``warnings``.
    var lateFaultWarnings: [String] {
        guard let trafficEnd else { return [] }
        return faults.filter { $0.at > trafficEnd }.map { fault in
            "fault \(fault.kindName) at \(fault.at.formattedShort) starts after the traffic ends "
                + "(\(trafficEnd.formattedShort)): it fires only if the world is still busy then"
        }
    }
}

extension RateProfile {
    /// Where the profile ends (the sum of its segments), or nil if its last segment lasts
    /// forever.
    public var end: Duration? {
        var total = Duration.zero
        for segment in segments {
            guard let length = segment.duration else { return nil }
            total += length
        }
        return total
    }
}

extension FaultSpec {
    /// The fault's `kind` as the world file spells it, with its target when it has one
    /// (`crash order#1`, `cache_flush`).
    public var kindName: String {
        switch kind {
        case .latency(let target, _): return "latency \(target)"
        case .errors(let target, _): return "errors \(target)"
        case .crash(let target, _): return "crash \(target)"
        case .pause(let target): return "pause \(target)"
        case .cacheFlush: return "cache_flush"
        case .partition(let a, let b): return "partition \(a)|\(b)"
        case .slowdown(let target, _): return "slowdown \(target)"
        case .databaseSlowdown: return "database_slowdown"
        case .surge: return "surge"
        case .poison: return "poison"
        }
    }
}
