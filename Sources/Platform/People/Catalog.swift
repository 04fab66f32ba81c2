import SimKernel
import World

/// The menu's items and how popular each is (Zipf), for choosing what customers view
/// and order, and the ids of items that do not exist (bad traffic).
final class Catalog: @unchecked Sendable {
    let spec: CatalogSpec
    /// Cumulative popularity of items 0..<n (Zipf with the catalog's exponent).
    private let cumulative: [Double]

    init(spec: CatalogSpec) {
        self.spec = spec
        var total = 0.0
        var cumulative: [Double] = []
        cumulative.reserveCapacity(spec.items)
        for rank in 1...max(spec.items, 1) {
            total += 1 / pow(Double(rank), spec.zipf)
            cumulative.append(total)
        }
        self.cumulative = cumulative.map { $0 / total }
    }

    /// An item drawn by popularity (item 0 the most popular).
    func popularItem(_ random: inout RandomStream) -> Int {
        let u = random.nextUnit()
        var low = 0, high = cumulative.count - 1
        while low < high {
            let mid = (low + high) / 2
            if cumulative[mid] > u { high = mid } else { low = mid + 1 }
        }
        return low
    }

    /// A flash-sale item (uniformly among them: the last `flashItems` ids), or a popular
    /// item when there are none.
    func flashItem(_ random: inout RandomStream) -> Int {
        spec.flashItems > 0 ? spec.items - 1 - random.nextInt(below: spec.flashItems) : popularItem(&random)
    }

    /// A product id that does not exist.
    func missingItem(_ random: inout RandomStream) -> Int {
        spec.items + random.nextInt(below: 1_000_000_000)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
