#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A probability distribution over non-negative reals, sampled from a ``RandomStream``.
///
/// Durations are sampled as seconds (a `Double`) and converted to integer nanoseconds
/// once, at the edge (``sampleNanoseconds(_:)``). Every case draws a fixed number of
/// values from the stream except the truncated normal, whose rejection loop is itself
/// seeded, so sampling is reproducible.
public enum Distribution: Sendable, Equatable {
    /// Always `value`.
    case constant(Double)
    /// Uniform on [lower, upper).
    case uniform(lower: Double, upper: Double)
    /// Exponential with the given mean (rate = 1/mean): Poisson inter-arrival times and
    /// M/M/c service times.
    case exponential(mean: Double)
    /// Normal with `mean` and `stddev`, truncated at 0 (negative draws are redrawn).
    case normal(mean: Double, stddev: Double)
    /// Log-normal: exp(mu + sigma·Z). See ``lognormal(median:p99:)`` for the form the
    /// source documents use.
    case lognormal(mu: Double, sigma: Double)
    /// Pareto (type I): scale·U^(−1/shape), heavy-tailed; mean is infinite for shape ≤ 1.
    case pareto(scale: Double, shape: Double)
    /// Pareto truncated to [lower, upper]: a heavy tail with a hard cap.
    case boundedPareto(lower: Double, upper: Double, shape: Double)
    /// An empirical distribution: one of `values`, chosen with probability proportional
    /// to `weights` (all equal when `weights` is empty).
    case empirical(values: [Double], weights: [Double])

    /// The standard normal quantile at 0.99.
    public static let z99 = 2.326_347_874_040_840_8

    /// The log-normal whose median and 99th percentile are the given values — the way
    /// latencies are usually quoted ("p50 20 ms, p99 120 ms").
    public static func lognormal(median: Double, p99: Double) -> Distribution {
        precondition(median > 0 && p99 >= median, "lognormal needs 0 < median <= p99")
        return .lognormal(mu: log(median), sigma: log(p99 / median) / z99)
    }

    /// Draws one value.
    public func sample(_ random: inout RandomStream) -> Double {
        switch self {
        case .constant(let value):
            return value
        case .uniform(let lower, let upper):
            return lower + (upper - lower) * random.nextUnit()
        case .exponential(let mean):
            return -mean * log(random.nextOpenUnit())
        case .normal(let mean, let stddev):
            // Rejection keeps the shape of the positive part; after 64 misses the mass
            // above zero is negligible (mean < -5σ) and 0 is the honest answer.
            for _ in 0..<64 {
                let value = mean + stddev * Self.standardNormal(&random)
                if value >= 0 { return value }
            }
            return 0
        case .lognormal(let mu, let sigma):
            return exp(mu + sigma * Self.standardNormal(&random))
        case .pareto(let scale, let shape):
            return scale * pow(random.nextOpenUnit(), -1 / shape)
        case .boundedPareto(let lower, let upper, let shape):
            // Inverse CDF of the Pareto truncated to [L, H].
            let u = random.nextUnit()
            let la = pow(lower, shape), ha = pow(upper, shape)
            let x = pow(-(u * ha - u * la - ha) / (ha * la), -1 / shape)
            return Swift.min(Swift.max(x, lower), upper)
        case .empirical(let values, let weights):
            if weights.isEmpty { return values[random.nextInt(below: values.count)] }
            let total = weights.reduce(0, +)
            var target = random.nextUnit() * total
            for (value, weight) in zip(values, weights) {
                target -= weight
                if target < 0 { return value }
            }
            return values[values.count - 1]
        }
    }

    /// Draws one duration, given in seconds, as whole nanoseconds (rounded, ≥ 0).
    public func sampleNanoseconds(_ random: inout RandomStream) -> Int64 {
        let seconds = sample(&random)
        guard seconds > 0 else { return 0 }
        guard seconds < 9.2e9 else { return .max }
        return Int64((seconds * 1e9).rounded())
    }

    /// The exact mean where it is finite (used to check simulated figures against theory).
    public var mean: Double? {
        switch self {
        case .constant(let value): return value
        case .uniform(let lower, let upper): return (lower + upper) / 2
        case .exponential(let mean): return mean
        case .normal(let mean, let stddev):
            guard stddev > 0 else { return Swift.max(mean, 0) }
            // Mean of a normal truncated below at 0.
            let alpha = -mean / stddev
            let tail = 1 - Self.standardNormalCDF(alpha)
            guard tail > 0 else { return 0 }
            return mean + stddev * Self.standardNormalPDF(alpha) / tail
        case .lognormal(let mu, let sigma): return exp(mu + sigma * sigma / 2)
        case .pareto(let scale, let shape): return shape > 1 ? shape * scale / (shape - 1) : nil
        case .boundedPareto(let lower, let upper, let shape):
            if shape == 1 { return upper * lower / (upper - lower) * log(upper / lower) }
            let la = pow(lower, shape)
            return la / (1 - pow(lower / upper, shape)) * shape / (shape - 1)
                * (1 / pow(lower, shape - 1) - 1 / pow(upper, shape - 1))
        case .empirical(let values, let weights):
            guard !values.isEmpty else { return nil }
            if weights.isEmpty { return values.reduce(0, +) / Double(values.count) }
            let total = weights.reduce(0, +)
            return zip(values, weights).reduce(0) { $0 + $1.0 * $1.1 } / total
        }
    }

    /// A standard normal draw (Box–Muller; one of the pair, so every draw costs exactly
    /// two uniforms and the stream position never depends on a cached spare).
    static func standardNormal(_ random: inout RandomStream) -> Double {
        let u1 = random.nextOpenUnit()
        let u2 = random.nextUnit()
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }

    static func standardNormalPDF(_ x: Double) -> Double {
        exp(-x * x / 2) / (2 * Double.pi).squareRoot()
    }

    static func standardNormalCDF(_ x: Double) -> Double {
        0.5 * erfc(-x / 2.0.squareRoot())
    }
}
