import Resilience
import SimKernel
import Testing

@Suite("DisciplinedQueue")
struct DisciplinedQueueTests {
    typealias Line = DisciplinedQueue<Int, VirtualClock.Instant>

    /// 5 ms target, 100 ms interval.
    let codel = QueueDiscipline.codel(.standard)

    @Test("CoDel parameters refuse a target that is not positive or longer than the interval")
    func parameterChecks() {
        let target = #expect(throws: ConfigurationError.self) {
            try CoDelParameters(target: .zero, interval: .milliseconds(100))
        }
        #expect(target?.type == "CoDelParameters" && target?.field == "target")
        let interval = #expect(throws: ConfigurationError.self) {
            try CoDelParameters(target: .milliseconds(5), interval: .milliseconds(1))
        }
        #expect(interval?.type == "CoDelParameters" && interval?.field == "interval")
    }

    @Test("over random schedules, LIFO serves the newest waiting entry first and never sheds")
    func lifoServesNewestFirst() throws {
        try forEachSchedule("lifo-line", count: 300) { random in
            var line = Line(.lifo)
            var waiting: [Int] = [] // arrival order
            var ms = 0.0
            for item in 0..<random.int(in: 1...60) {
                ms += Double(random.int(in: 0...20))
                if random.chance(0.6) {
                    line.append(item, at: at(ms: ms))
                    waiting.append(item)
                } else {
                    let served = line.next(at: at(ms: ms))?.element
                    try require(served == waiting.popLast(), "served \(String(describing: served)), newest was another")
                }
                try require(line.shed(at: at(ms: ms)).isEmpty, "LIFO shed work")
                try require(line.elements == waiting, "line \(line.elements) vs model \(waiting)")
            }
        }
    }

    @Test("over random schedules, CoDel drops only what waited past the target while overloaded (past the interval while calm), and serves newest first only while overloaded")
    func codelShedsOnlyStaleWork() throws {
        try forEachSchedule("codel-line", count: 400) { random in
            var line = Line(codel)
            var arrivals: [Int: Double] = [:]
            var ms = 0.0
            var next = 0
            // Phases of calm and overload: arrivals outpace service in some of them.
            for _ in 0..<random.int(in: 20...200) {
                ms += Double(random.int(in: 0...8))
                let now = at(ms: ms)
                for item in line.shed(at: now) {
                    let waited = ms - arrivals[item]!
                    try require(waited > 5, "shed \(item) after only \(waited) ms")
                    if !line.isOverloaded { try require(waited > 100, "shed \(item) after \(waited) ms while calm") }
                    arrivals[item] = nil
                }
                if random.chance(0.55) {
                    line.append(next, at: now)
                    arrivals[next] = ms
                    next += 1
                } else {
                    let before = line.elements
                    guard let served = line.next(at: now) else { continue }
                    let expected = line.isOverloaded ? before.last : before.first
                    try require(served.element == expected,
                                "served \(served.element), expected \(String(describing: expected)) (overloaded: \(line.isOverloaded))")
                    arrivals[served.element] = nil
                }
            }
        }
    }

    @Test("over random schedules, CoDel's overload verdict is the minimum standing delay of the last whole interval against the target, measured exactly (a brute-force model)")
    func codelVerdictMatchesModel() throws {
        try forEachSchedule("codel-verdict", count: 400) { random in
            let target = 5, interval = 20 // ms
            var line = Line(.codel(try CoDelParameters(target: .milliseconds(target), interval: .milliseconds(interval))))
            // The model: waiting entries (arrival ms, id) oldest first, the arrival of the
            // oldest unserved work (`standing`), and the standing delay after every operation.
            var waiting: [(ms: Int, id: Int)] = []
            var standing: Int?
            var history: [(ms: Int, standing: Int?, delay: Int)] = []
            var start: Int?
            var ms = 0
            func verdict(at now: Int) -> Bool {
                guard let start, now >= start + interval else { return false }
                let end = start + (now - start) / interval * interval, begin = end - interval
                // The delay at the interval's start (the state left by the last earlier
                // operation), then after every operation inside it.
                let before = history.last { $0.ms < begin }
                var minimum = before.flatMap { $0.standing.map { begin - $0 } } ?? 0
                for entry in history where entry.ms >= begin && entry.ms < end { minimum = min(minimum, entry.delay) }
                return minimum > target
            }
            for id in 0..<random.int(in: 10...150) {
                ms += random.chance(0.1) ? random.int(in: 30...100) : random.int(in: 0...8)
                if start == nil { start = ms }
                let overloaded = verdict(at: ms)
                let now = at(ms: Double(ms))
                switch random.int(in: 0...9) {
                case 0...4:
                    line.append(id, at: now)
                    waiting.append((ms, id))
                    if standing == nil { standing = ms }
                case 5...7:
                    let served = line.next(at: now)?.element
                    guard !waiting.isEmpty else {
                        try require(served == nil, "served \(String(describing: served)) from an empty line")
                        break
                    }
                    let taken = overloaded ? waiting.removeLast() : waiting.removeFirst()
                    try require(served == taken.id, "served \(String(describing: served)), the model \(taken.id) (overloaded: \(overloaded))")
                    if waiting.isEmpty {
                        standing = nil
                    } else if !overloaded, standing == taken.ms {
                        standing = waiting[0].ms
                    }
                default:
                    let limit = overloaded ? target : interval
                    let expected = waiting.prefix { ms - $0.ms > limit }.map(\.id)
                    waiting.removeFirst(expected.count)
                    let shed = line.shed(at: now)
                    try require(shed == expected, "shed \(shed), the model \(expected)")
                }
                history.append((ms, standing, standing.map { ms - $0 } ?? 0))
                try require(line.isOverloaded == overloaded,
                            "at \(ms) ms the line says overloaded: \(line.isOverloaded), the model \(overloaded)")
            }
        }
    }

    @Test("a calm queue, whose work never waits as long as the target, sheds nothing and stays FIFO")
    func calmNeverSheds() throws {
        try forEachSchedule("codel-calm", count: 300) { random in
            var line = Line(codel)
            var waiting: [(item: Int, ms: Double)] = []
            var ms = 0.0
            for item in 0..<random.int(in: 10...300) {
                ms += Double(random.int(in: 0...3))
                // Serve everything that has waited 4 ms or more before it reaches the 5 ms target.
                while let first = waiting.first, ms - first.ms >= 4 {
                    let served = line.next(at: at(ms: ms))
                    try require(served?.element == first.item, "calm queue served out of FIFO order")
                    waiting.removeFirst()
                }
                try require(line.shed(at: at(ms: ms)).isEmpty, "a calm queue shed work")
                try require(!line.isOverloaded, "a calm queue was judged overloaded at \(ms) ms")
                line.append(item, at: at(ms: ms))
                waiting.append((item, ms))
            }
            try require(line.shedCount == 0, "shed \(line.shedCount)")
        }
    }

    @Test("a standing queue turns overloaded after an interval above the target, sheds work older than the target, and turns calm again once it empties")
    func overloadCycle() {
        var line = Line(codel)
        // One arrival every millisecond, one departure every 2 ms: a standing queue.
        var overloadedAt: Double?
        var shed: [Int] = []
        for tick in 0..<400 {
            let ms = Double(tick)
            shed += line.shed(at: at(ms: ms))
            line.append(tick, at: at(ms: ms))
            if tick % 2 == 0 { _ = line.next(at: at(ms: ms)) }
            if line.isOverloaded, overloadedAt == nil { overloadedAt = ms }
        }
        #expect(overloadedAt.map { $0 >= 100 && $0 <= 200 } == true, "overloaded at \(String(describing: overloadedAt))")
        #expect(!shed.isEmpty)
        #expect(line.elements.allSatisfy { $0 >= 400 - 6 }, "only work younger than the target is left: \(line.elements)")
        // The arrivals stop; the queue drains and stays empty for two intervals.
        var ms = 400.0
        while line.next(at: at(ms: ms)) != nil { ms += 1 }
        _ = line.shed(at: at(ms: ms + 250))
        #expect(!line.isOverloaded)
    }
}
