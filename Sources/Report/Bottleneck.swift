public import Platform
import SimKernel
import World

/// Which resource of a run sat saturated the longest: the place to add capacity first.
///
/// A resource is anything with a fixed capacity and a gauge of its use: the merchants'
/// kitchens (`merchants.cooking` of `merchants.count × merchants.kitchen`), the riders
/// (`riders.carrying` of riders on duty × `riders.capacity`), each service's workers
/// (`S.busy` of `S.workers`) and each service's database pool (`S.db.in_use` of
/// `database.max_open`). An interval of the time series counts as saturated when the
/// resource's time-weighted use over it is at least ``saturated`` of its capacity; the
/// bottleneck is the resource saturated for the largest share of the run.
public struct Bottleneck: Sendable, Equatable {
    /// Use at or above this share of capacity counts as saturated.
    public static let saturated = 0.9
    /// A resource saturated for less of the run than this is not called a bottleneck.
    public static let minimumShare = 0.25

    /// The resource, as a person names it ("kitchens", "order workers").
    public var resource: String
    /// Its capacity in words ("40 merchants × 3 = 120 orders at once").
    public var capacity: String
    /// Share of the run's time (of its time-series intervals) it spent saturated.
    public var saturatedShare: Double
    /// Its time-weighted mean use over the run, as a share of capacity.
    public var meanUse: Double
    /// What to check or change, when there is a rule of thumb for it.
    public var hint: String?

    /// Every resource of the run with a capacity, most saturated first (then by mean
    /// use, then by name, so the order is deterministic).
    public static func resources(_ outcome: WorldOutcome) -> [Bottleneck] {
        let spec = outcome.spec
        let metrics = outcome.metrics
        let rows = metrics.timeSeries?.rows ?? []
        var found: [Bottleneck] = []
        // Rows list gauges in registration order: look at the registered position first.
        let gaugePosition = Dictionary(metrics.gauges.enumerated().map { ($0.element.name, $0.offset) }, uniquingKeysWith: { a, _ in a })
        func gaugeMean(_ row: TimeSeries.Row, _ name: String) -> Double? {
            if let position = gaugePosition[name], position < row.gauges.count, row.gauges[position].name == name {
                return row.gauges[position].value.mean
            }
            return row.gauges.first(where: { $0.name == name })?.value.mean
        }
        func measure(_ resource: String, _ capacityText: String, used: String, capacity: (TimeSeries.Row) -> Double?, hint: String? = nil) {
            guard metrics.existingGauge(used) != nil else { return }
            var saturatedTime = 0.0, total = 0.0, usedArea = 0.0, capacityArea = 0.0
            for row in rows {
                guard let use = gaugeMean(row, used),
                      let limit = capacity(row), limit > 0 else { continue }
                let span = Double(row.end - row.start)
                total += span
                usedArea += use * span
                capacityArea += limit * span
                if use >= saturated * limit { saturatedTime += span }
            }
            guard total > 0, capacityArea > 0 else { return }
            found.append(Bottleneck(resource: resource, capacity: capacityText, saturatedShare: saturatedTime / total,
                                    meanUse: usedArea / capacityArea, hint: hint))
        }
        let runSeconds = Double(outcome.result.endTime) / 1e9
        let paid = Double(metrics.existingCounter("orders.paid")?.total ?? 0)
        let orderRate = runSeconds > 0 ? paid / runSeconds : 0
        if spec.hasPlatform {
            let merchants = spec.merchants
            let slots = merchants.count * merchants.kitchen
            var hint: String?
            if let prepare = merchants.prepare.mean, prepare > 0 {
                let cooks = Double(slots) / prepare
                hint = "kitchens cook about \(HumanSummary.grouped(merchants.count)) × \(merchants.kitchen) ÷ "
                    + "\(ReadableDuration.compact(nanoseconds: Int64(prepare * 1e9))) mean prepare = \(perSecond(cooks)) orders/s; "
                    + "orders were paid at \(perSecond(orderRate))/s on average; raise merchants.count or merchants.kitchen"
            }
            measure("kitchens", "\(HumanSummary.grouped(merchants.count)) merchants × \(merchants.kitchen) = \(HumanSummary.grouped(slots)) orders at once",
                    used: "merchants.cooking", capacity: { _ in Double(slots) }, hint: hint)
            let riders = spec.riders
            var riderHint: String?
            if let out = riders.toMerchant.mean, let back = riders.toCustomer.mean, out + back > 0 {
                let carries = Double(riders.count * riders.capacity) / (out + back)
                riderHint = "riders deliver at most about \(HumanSummary.grouped(riders.count)) × \(riders.capacity) ÷ "
                    + "\(ReadableDuration.compact(nanoseconds: Int64((out + back) * 1e9))) mean trip = \(perSecond(carries)) orders/s; "
                    + "orders were paid at \(perSecond(orderRate))/s on average; raise riders.count or riders.capacity"
            }
            measure("riders", "\(HumanSummary.grouped(riders.count)) riders × \(riders.capacity) orders each, while on duty",
                    used: "riders.carrying", capacity: { row in gaugeMean(row, "riders.on_duty").map { $0 * Double(riders.capacity) } },
                    hint: riderHint)
        }
        for service in spec.services {
            let name = service.name
            measure("\(name) workers", "\(service.instances) instance(s) × \(service.workers) workers",
                    used: "\(name).busy", capacity: { row in gaugeMean(row, "\(name).workers") },
                    hint: "more workers: services.\(name).workers or services.\(name).instances")
            let pool = service.database.maxOpen
            measure("\(name) database pool", "\(service.instances) instance(s) × \(pool) connections",
                    used: "\(name).db.in_use", capacity: { _ in Double(pool * service.instances) },
                    hint: "more connections: services.\(name).database.max_open (within infrastructure.database.max_connections)")
        }
        return found.sorted {
            ($0.saturatedShare, $0.meanUse, $1.resource) > ($1.saturatedShare, $1.meanUse, $0.resource)
        }
    }

    /// The bottleneck of the run: the resource saturated longest, if it was saturated for
    /// at least ``minimumShare`` of the run.
    public static func of(_ outcome: WorldOutcome) -> Bottleneck? {
        resources(outcome).first.flatMap { $0.saturatedShare >= minimumShare ? $0 : nil }
    }

    static func perSecond(_ value: Double) -> String {
        value >= 100 ? HumanSummary.fixed(value, 0) : value >= 1 ? HumanSummary.fixed(value, 1) : HumanSummary.fixed(value, 3)
    }
}
