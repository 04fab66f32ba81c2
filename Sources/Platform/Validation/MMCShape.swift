public import World
import SimKernel

extension WorldSpec {
    /// The Erlang C model this world is an instance of, when it is one: a single
    /// constant-rate Poisson journey sending one request to a service with one instance,
    /// a fixed number of workers, exponential work and an unbounded FIFO queue. Such a
    /// world's summary compares the measured figures with the theory.
    public var erlangCModel: (service: String, model: ErlangC)? {
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
