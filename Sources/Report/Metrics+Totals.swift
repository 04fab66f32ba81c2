import SimKernel

extension Metrics {
    /// A counter's total; 0 when nothing ever registered it.
    func total(_ name: String) -> Int { Int(existingCounter(name)?.total ?? 0) }

    /// The counters named `prefix` + something, as (that something, total), in the order
    /// they were registered: `totals(prefix: "order.failed.")` → `[("out_of_stock", 98)]`.
    func totals(prefix: String) -> [(name: String, total: Int)] {
        counters(withPrefix: prefix).map { (String($0.name.dropFirst(prefix.count)), Int($0.total)) }
    }
}
