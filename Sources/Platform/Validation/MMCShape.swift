public import World
import SimKernel

extension WorldSpec {
    /// The Erlang C model this world is an instance of, when it is one: a single
    /// constant-rate Poisson journey sending one request to a service with one instance,
    /// a fixed number of workers, exponential work and an unbounded FIFO queue. Such a
    /// world's summary compares the measured figures with the theory. A world of that
    /// shape with faults is not one (a surge changes λ, a slowdown μ, a crash c): see
    /// ``erlangCInapplicable``.
    public var erlangCModel: (service: String, model: ErlangC)? {
        guard faults.isEmpty, let shaped = erlangCShape else { return nil }
        return shaped
    }

    /// Why a world shaped as an M/M/c queue has no Erlang C figures: its faults change
    /// the load or the servers for part of the run, so the steady-state theory does not
    /// describe it. Nil for worlds of another shape, and for M/M/c worlds without faults.
    public var erlangCInapplicable: String? {
        guard !faults.isEmpty, erlangCShape != nil else { return nil }
        let kinds = faults.map(\.kind.label)
        let named = kinds.enumerated().filter { !kinds[..<$0.offset].contains($0.element) }.map(\.element)
        return "its faults (\(named.joined(separator: ", "))) change the load or the servers for part of the run"
    }

    /// The M/M/c shape, faults aside.
    private var erlangCShape: (service: String, model: ErlangC)? {
        guard traffic.journeys.count == 1,
              case .request(let name) = traffic.journeys[0].kind,
              traffic.rate.segments.count == 1, traffic.rate.segments[0].duration == nil,
              traffic.rate.segments[0].from == traffic.rate.segments[0].to,
              let service = service(name), service.instances == 1,
              service.maxWorkers == service.workers, service.queueCapacity == nil, service.queueDiscipline == .fifo,
              case .exponential(let mean) = service.work, mean > 0 else { return nil }
        let model = ErlangC(servers: service.workers, arrivalRate: traffic.rate.segments[0].from, serviceRate: 1 / mean)
        return model.isStable ? (name, model) : nil
    }
}
