import SimKernel

extension TrafficSpec {
    /// Reads the `traffic` object.
    static let reader = ValueReader<TrafficSpec>.object { o in
        TrafficSpec(
            rate: o.required("rate", RateProfile.reader),
            customers: o.optional("customers", .integer(in: 1...)),
            journeys: o.required("journeys", .nonEmptyArray(of: JourneySpec.reader)),
            population: o.optional("population", .integer(in: 1...100_000_000), default: 100_000),
            loggedIn: o.optional("logged_in", .ratio, default: 0.7),
            app: o.optional("app", AppSpec.reader, default: AppSpec()),
            badTraffic: o.optional("bad_traffic", RateProfile.reader))
    }
}

extension AppSpec {
    /// Reads `traffic.app`.
    static let reader = ValueReader<AppSpec>.object { o in
        AppSpec(
            timeout: o.raw("timeout")?.isNull == true ? nil
                : o.optional("timeout", .duration(atLeast: .milliseconds(1)), default: .seconds(5)),
            attempts: o.optional("attempts", .integer(in: 1...20), default: 3),
            retryDelay: o.optional("retry_delay", .durationDistribution, default: .uniform(lower: 0.5, upper: 2)),
            patience: o.optional("patience", .durationDistribution, default: .lognormal(median: 900, p99: 2400)),
            pollInterval: o.optional("poll_interval", .duration(atLeast: .milliseconds(100)), default: .seconds(30)),
            browse: o.optional("browse_pages", .numberDistribution, default: .uniform(lower: 1, upper: 5)),
            think: o.optional("think", .durationDistribution, default: .lognormal(median: 3, p99: 20)))
    }
}

extension JourneySpec {
    /// The journey kinds a world file may name.
    enum KindName: String, CaseIterable, Sendable {
        case request, order, browse
        case flashSale = "flash_sale"
    }

    /// Reads one element of `traffic.journeys`.
    static let reader = ValueReader<JourneySpec>.object { o in
        let weight = o.optional("weight", .double(above: 0), default: 1)
        guard let kind = o.discriminator("kind", .oneOf(KindName.self)) else {
            return JourneySpec(.browse, weight: weight)
        }
        switch kind {
        case .request: return JourneySpec(.request(service: o.required("service", .nonEmptyString)), weight: weight)
        case .order: return JourneySpec(.order, weight: weight)
        case .browse: return JourneySpec(.browse, weight: weight)
        case .flashSale: return JourneySpec(.flashSale, weight: weight)
        }
    }
}

extension CatalogSpec {
    /// Reads `catalog`.
    static let reader = ValueReader<CatalogSpec>.object { o in
        let items = o.optional("items", .integer(in: 1...1_000_000), default: 500)
        let flashItems = o.optional("flash_items", .integer(in: 0...1_000_000), default: 1)
        if !o.hasProblems, flashItems > items {
            o.reject("flash_items", expected: "at most catalog.items (\(items))")
        }
        return CatalogSpec(
            items: items,
            zipf: o.optional("zipf", .double(in: 0...10), default: 1.0),
            stock: o.optional("stock", .integer(in: 0...), default: 1_000_000),
            flashItems: flashItems,
            flashStock: o.optional("flash_stock", .integer(in: 0...), default: 100))
    }
}

extension MerchantsSpec {
    /// Reads `merchants`.
    static let reader = ValueReader<MerchantsSpec>.object { o in
        MerchantsSpec(
            count: o.optional("count", .integer(in: 1...1_000_000), default: 50),
            kitchen: o.optional("kitchen", .integer(in: 1...10_000), default: 4),
            prepare: o.optional("prepare", .durationDistribution, default: .lognormal(median: 600, p99: 1800)),
            decide: o.optional("decide", .durationDistribution, default: .lognormal(median: 30, p99: 180)),
            refuse: o.optional("refuse", .ratio, default: 0.02),
            reportTimeout: o.optional("report_timeout", .duration(atLeast: .milliseconds(1)), default: .seconds(5)),
            reportBackoff: o.optional("report_backoff", .duration(atLeast: .milliseconds(1)), default: .seconds(1)),
            reportBackoffCap: o.optional("report_backoff_cap", .duration(atLeast: .milliseconds(1)), default: .seconds(30)))
    }
}

extension RidersSpec {
    /// Reads `riders`.
    static let reader = ValueReader<RidersSpec>.object { o in
        RidersSpec(
            count: o.optional("count", .integer(in: 0...1_000_000), default: 100),
            capacity: o.optional("capacity", .integer(in: 1...100), default: 2),
            toMerchant: o.optional("to_merchant", .durationDistribution, default: .lognormal(median: 420, p99: 1200)),
            toCustomer: o.optional("to_customer", .durationDistribution, default: .lognormal(median: 600, p99: 1500)),
            shift: o.optional("shift", .duration(atLeast: .seconds(1))),
            offDuty: o.optional("off_duty", .duration(atLeast: .zero), default: .seconds(1800)),
            reportTimeout: o.optional("report_timeout", .duration(atLeast: .milliseconds(1)), default: .seconds(5)),
            reportBackoff: o.optional("report_backoff", .duration(atLeast: .milliseconds(1)), default: .seconds(1)),
            reportBackoffCap: o.optional("report_backoff_cap", .duration(atLeast: .milliseconds(1)), default: .seconds(30)))
    }
}

extension WorldSpec {
    /// Reads `dependencies`: any of the known ones, each overriding its defaults field by field.
    static let dependenciesReader = ValueReader<[String: DependencySpec]>.object { o in
        var result = WorldSpec.defaultDependencies
        for name in WorldSpec.dependencyNames {
            let defaults = result[name]!
            if let spec = o.optional(name, DependencySpec.reader(defaults: defaults)) { result[name] = spec }
        }
        return result
    }
}

extension DependencySpec {
    /// Reads one dependency, with `defaults` for absent fields.
    static func reader(defaults: DependencySpec) -> ValueReader<DependencySpec> {
        .object { o in
            DependencySpec(
                latency: o.optional("latency", .durationDistribution, default: defaults.latency),
                errors: o.optional("errors", .ratio, default: defaults.errors),
                hangs: o.optional("hangs", .ratio, default: defaults.hangs),
                concurrency: o.optional("concurrency", .integer(in: 1...)) ?? defaults.concurrency)
        }
    }
}
