import SimKernel
import World

extension PlatformWorld {
    /// Expectations whose metric this world can never produce, found before the run: one
    /// sentence each, `$.expect[1]: no metric of this world is named "ordes…" (did you mean
    /// "orders.failed_ratio"?)`.
    ///
    /// Many metrics are made on first use (`order.failed.out_of_stock`), so a name is
    /// judged by its family, the part before the first dot: it must be the family of a
    /// metric the world has made while being built, a service's name, or a family the run
    /// may fill later (`faults`, `customers`; in platform worlds the infrastructure, the
    /// dependencies, `orders`, `invariants`, `app`, `registry`, `dns`, `riders`,
    /// `merchants`, `merchant`, `breakers`, `bad_traffic`). A misspelt family
    /// (`ordes.failed_ratio`) is then found in a second instead of after the run; a
    /// misspelt name within a family is still reported after the run, with its nearest
    /// name.
    public func expectationsNamingNothing() -> [String] {
        let query = MetricQuery(metrics: sim.metrics, end: 0)
        let known = query.knownNames
        let metrics = sim.metrics
        var families = Set((metrics.counters.map(\.name) + metrics.histograms.map(\.name) + metrics.gauges.map(\.name)).map(Self.family))
        families.formUnion(spec.services.map(\.name))
        families.formUnion(["faults", "customers"])
        if spec.hasPlatform {
            families.formUnion(WorldSpec.infrastructureNames + WorldSpec.dependencyNames)
            families.formUnion(["orders", "invariants", "app", "registry", "dns", "riders", "merchants", "merchant",
                                "breakers", "bad_traffic"])
        }
        var problems: [String] = []
        for (index, expectation) in spec.expectations.enumerated() where !families.contains(Self.family(expectation.metric)) {
            let near = NearestName.nearest(to: expectation.metric, in: known).map { " (did you mean \"\($0)\"?)" } ?? ""
            problems.append("$.expect[\(index)]: no metric of this world is named \"\(expectation.metric)\"\(near)")
        }
        return problems
    }

    private static func family(_ name: String) -> String {
        String(name.prefix { $0 != "." })
    }
}
