import Foundation
import SimKernel

/// The M/M/c model as a plain discrete-event loop: one binary heap of timestamped events,
/// a FIFO array of waiting arrival times, a count of idle servers — no actors, no tasks,
/// no executor, no metrics registry. It is the floor a simulation framework's overhead is
/// measured against: whatever DeliverySim spends beyond it buys actors, the real
/// worker-pool code, traces and metrics.
///
/// Customers arrive as a Poisson process (rate λ) until `customers` have arrived, and the
/// queue then drains, so the figures cover exactly `customers` customers — the same run
/// as the world `worlds/validation/mmc.json` with `traffic.customers` set, and as the
/// peers' SimPy and Ciw scripts. Inter-arrival and service times come from two seeded
/// SplitMix64 streams (`seed`, `seed + 1`) through inversion, −ln(1 − U)/rate.
public struct PlainMMC: Sendable {
    /// Servers c.
    public let servers: Int
    /// Arrival rate λ, per second.
    public let arrivalRate: Double
    /// Service rate μ of one server, per second.
    public let serviceRate: Double

    /// The model with `servers` servers, arrival rate λ and service rate μ (per second).
    public init(servers: Int, arrivalRate: Double, serviceRate: Double) {
        precondition(servers > 0 && arrivalRate > 0 && serviceRate > 0, "an M/M/c model needs c, λ and μ above zero")
        self.servers = servers
        self.arrivalRate = arrivalRate
        self.serviceRate = serviceRate
    }

    /// What one run measured.
    public struct Result: Sendable, Equatable {
        /// Customers served (all that arrived: the queue drains).
        public var customers: Int
        /// Sum of the waits in queue, seconds.
        public var totalWait: Double
        /// Sum of the times in system (wait + service), seconds.
        public var totalSojourn: Double
        /// Customers who found every server busy.
        public var waited: Int
        /// Events popped from the heap (one arrival and one departure per customer).
        public var events: Int
        /// The clock when the last customer left, seconds.
        public var endTime: Double

        /// Mean wait in queue Wq, seconds.
        public var meanWait: Double { totalWait / Double(customers) }
        /// Mean time in system W, seconds.
        public var meanSojourn: Double { totalSojourn / Double(customers) }
        /// The share of customers who waited, P(wait > 0).
        public var probabilityOfWaiting: Double { Double(waited) / Double(customers) }
    }

    /// Runs `customers` customers (at least one) through the queue.
    public func run(customers: Int, seed: UInt64) -> Result {
        precondition(customers > 0, "a run needs at least one customer")
        var arrivals = SplitMix64(seed: seed)
        var services = SplitMix64(seed: seed &+ 1)
        var heap = EventHeap()
        heap.reserve(servers + 1)
        // Waiting customers' arrival times; `head` is the first still waiting.
        var queue: [Double] = []
        var head = 0
        var idle = servers
        var arrived = 0
        var result = Result(customers: 0, totalWait: 0, totalSojourn: 0, waited: 0, events: 0, endTime: 0)

        func startService(arrivedAt: Double, now: Double) {
            let wait = now - arrivedAt
            let service = Self.exponential(&services, rate: serviceRate)
            result.totalWait += wait
            result.totalSojourn += wait + service
            if wait > 0 { result.waited += 1 }
            heap.push(Event(time: now + service, kind: .departure))
        }

        heap.push(Event(time: Self.exponential(&arrivals, rate: arrivalRate), kind: .arrival))
        arrived = 1
        while let event = heap.pop() {
            result.events += 1
            let now = event.time
            switch event.kind {
            case .arrival:
                if idle > 0 {
                    idle -= 1
                    startService(arrivedAt: now, now: now)
                } else {
                    queue.append(now)
                }
                if arrived < customers {
                    arrived += 1
                    heap.push(Event(time: now + Self.exponential(&arrivals, rate: arrivalRate), kind: .arrival))
                }
            case .departure:
                result.customers += 1
                result.endTime = now
                if head < queue.count {
                    startService(arrivedAt: queue[head], now: now)
                    head += 1
                    // Reclaim the served prefix now and then, so memory follows the queue's
                    // length, not the number of customers.
                    if head >= 4096, head * 2 >= queue.count {
                        queue.removeFirst(head)
                        head = 0
                    }
                } else {
                    idle += 1
                }
            }
        }
        return result
    }

    /// An exponential draw by inversion; 1 − U is in (0, 1], so the logarithm is finite.
    static func exponential(_ generator: inout SplitMix64, rate: Double) -> Double {
        let unit = Double(generator.next() >> 11) * 0x1p-53
        return -log(1 - unit) / rate
    }

    /// An arrival or a departure at an instant. Ties are broken arbitrarily, as the
    /// probability of two continuous draws meeting is zero.
    struct Event {
        enum Kind { case arrival, departure }
        var time: Double
        var kind: Kind
    }

    /// A binary min-heap of events by time, in one array.
    struct EventHeap {
        private var items: [Event] = []

        mutating func reserve(_ capacity: Int) { items.reserveCapacity(capacity) }

        mutating func push(_ event: Event) {
            items.append(event)
            var child = items.count - 1
            while child > 0 {
                let parent = (child - 1) / 2
                guard items[child].time < items[parent].time else { break }
                items.swapAt(child, parent)
                child = parent
            }
        }

        mutating func pop() -> Event? {
            guard let last = items.popLast() else { return nil }
            guard !items.isEmpty else { return last }
            let top = items[0]
            items[0] = last
            var parent = 0
            let count = items.count
            while true {
                let left = 2 * parent + 1
                guard left < count else { break }
                let right = left + 1
                let smaller = right < count && items[right].time < items[left].time ? right : left
                guard items[smaller].time < items[parent].time else { break }
                items.swapAt(parent, smaller)
                parent = smaller
            }
            return top
        }
    }
}
