public import World
import SimKernel

/// The faults of a world as windows of simulated time, read from the resolved world:
/// each scheduled fault (a crash lasts until its restart) and each stretch of
/// `traffic.bad_traffic` with a non-zero rate (the penetration traffic some incidents
/// inject instead of a fault). Tagged F1, F2, ... in start order.
public struct FaultWindow: Sendable, Equatable {
    /// `F1`, `F2`, ...
    public var tag: String
    /// What happened, in words.
    public var label: String
    /// Start, nanoseconds.
    public var start: Int64
    /// End (the start for an instantaneous fault or one that never ends: see ``ends``).
    public var end: Int64
    /// Whether the fault ends on its own (a crash without restart does not).
    public var ends: Bool

    /// The windows of `world`, in start order.
    public static func of(_ world: WorldSpec, runEnd: Int64) -> [FaultWindow] {
        var windows: [(start: Int64, end: Int64, ends: Bool, label: String)] = []
        for fault in world.faults {
            let start = fault.at.nanoseconds
            var end = start + (fault.duration?.nanoseconds ?? 0)
            var ends = true
            if case .crash(_, let restart) = fault.kind {
                if let restart { end = start + restart.nanoseconds } else { end = runEnd; ends = false }
            }
            windows.append((start, end, ends, label(fault.kind)))
        }
        if let bad = world.traffic.badTraffic {
            var time: Int64 = 0
            var open: (start: Int64, peak: Double)?
            for segment in bad.segments {
                let length = segment.duration?.nanoseconds
                let on = max(segment.from, segment.to) > 0
                if on, open == nil { open = (time, 0) }
                if on { open!.peak = max(open!.peak, segment.from, segment.to) }
                if !on, let stretch = open {
                    windows.append((stretch.start, time, true, "bad traffic: \(rate(stretch.peak)) requests for products that do not exist"))
                    open = nil
                }
                guard let length else { break }
                time += length
            }
            if let stretch = open {
                let last = bad.segments.last?.duration == nil ? runEnd : time
                windows.append((stretch.start, last, bad.segments.last?.duration != nil,
                                "bad traffic: \(rate(stretch.peak)) requests for products that do not exist"))
            }
        }
        return windows.enumerated().sorted { ($0.element.start, $0.offset) < ($1.element.start, $1.offset) }
            .enumerated().map { position, entry in
                FaultWindow(tag: "F\(position + 1)", label: entry.element.label, start: entry.element.start,
                            end: entry.element.end, ends: entry.element.ends)
            }
    }

    static func rate(_ perSecond: Double) -> String { ValueUnit.compact(perSecond) + "/s" }

    static func label(_ kind: FaultSpec.Kind) -> String {
        switch kind {
        case .latency(let target, _): "extra latency on every call to \(target)"
        case .errors(let target, let ratio): "\(ValueUnit.compact(ratio * 100))% of calls to \(target) fail"
        case .crash(let target, let restart): "\(target) crashes" + (restart.map { ", restarts after \(TimeText.short($0.nanoseconds))" } ?? ", never restarts")
        case .pause(let target): "\(target) paused (stop-the-world)"
        case .cacheFlush: "cache flushed"
        case .partition(let a, let b): "network partition between \(a) and \(b)"
        case .slowdown(let target, let factor): "\(target) slowed ×\(ValueUnit.compact(factor))"
        case .databaseSlowdown(let factor): "database slowed ×\(ValueUnit.compact(factor))"
        case .surge(let factor): "traffic surge ×\(ValueUnit.compact(factor))"
        case .poison(let ratio): "\(ValueUnit.compact(ratio * 100))% of orders malformed (poison)"
        }
    }

    /// The window for charts, in seconds.
    public var shaded: ShadedWindow {
        ShadedWindow(from: Double(start) / 1e9, to: Double(end) / 1e9, tag: tag, label: label)
    }
}
