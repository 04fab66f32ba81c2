import Foundation

/// Student's t distribution: the two-sided critical value a confidence interval of a
/// mean of few samples needs (`t(0.975, 4)` = 2.776 for five seeds, against 1.96 for the
/// normal approximation that would make such intervals too narrow).
public enum StudentT {
    /// The `probability` quantile (0.5 < p < 1) with `degreesOfFreedom` ≥ 1, found by
    /// bisection on the distribution function (exact to about 1e-12).
    public static func quantile(_ probability: Double, degreesOfFreedom: Int) -> Double {
        precondition(probability > 0.5 && probability < 1 && degreesOfFreedom >= 1)
        var low = 0.0, high = 1.0
        while cdf(high, degreesOfFreedom: degreesOfFreedom) < probability { high *= 2 }
        for _ in 0..<200 {
            let middle = (low + high) / 2
            if cdf(middle, degreesOfFreedom: degreesOfFreedom) < probability { low = middle } else { high = middle }
            if high - low < 1e-13 * max(1, high) { break }
        }
        return (low + high) / 2
    }

    /// P(T ≤ t) for `degreesOfFreedom` ≥ 1.
    public static func cdf(_ t: Double, degreesOfFreedom: Int) -> Double {
        let nu = Double(degreesOfFreedom)
        let x = nu / (nu + t * t)
        let tail = 0.5 * regularizedIncompleteBeta(x, a: nu / 2, b: 0.5)
        return t >= 0 ? 1 - tail : tail
    }

    /// I_x(a, b) by its continued fraction (Lentz's method), using the symmetry
    /// I_x(a, b) = 1 − I_{1−x}(b, a) where the fraction converges slowly.
    static func regularizedIncompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logBeta: Double = lgamma(a) + lgamma(b) - lgamma(a + b)
        let logPowers: Double = a * log(x) + b * log(1 - x)
        let logFront = logPowers - logBeta
        if x < (a + 1) / (a + b + 2) {
            return exp(logFront) * continuedFraction(x, a: a, b: b) / a
        }
        return 1 - exp(logFront) * continuedFraction(1 - x, a: b, b: a) / b
    }

    static func continuedFraction(_ x: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300
        var c = 1.0
        var d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var result = d
        for m in 1...300 {
            let m = Double(m)
            let even = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
            d = 1 + even * d; if abs(d) < tiny { d = tiny }
            c = 1 + even / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            result *= d * c
            let odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
            d = 1 + odd * d; if abs(d) < tiny { d = tiny }
            c = 1 + odd / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let step = d * c
            result *= step
            if abs(step - 1) < 1e-15 { break }
        }
        return result
    }
}
