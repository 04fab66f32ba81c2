import Resilience
import World

/// The inventory service's table: units in stock per item, each row's fence (a fenced read or
/// write with an older token than the row has seen is refused), and the deductions already
/// applied, by order (idempotency).
///
/// Pure state. The inventory service reaches it through ``Database``'s stock statements
/// (`stockLevel`, `deducted(for:)`, `decrement(_:by:order:token:)`, `restock(_:order:)`),
/// which it runs on a pooled connection after paying each statement's cost:
///
/// ```swift
/// var table = StockTable(catalog: catalog)                      // pure
/// _ = table.decrement(3, by: 1, order: 7, token: nil)           // .applied
///
/// await database.execute(.write)                                // on a pooled connection
/// _ = await database.decrement(3, by: 1, order: 7, token: nil)
/// ```
struct StockTable: Sendable {
    /// Units in stock per item (may go negative only through a race: oversell).
    private(set) var units: [Int]
    /// Initial stock, for the oversell check.
    let initial: [Int]
    /// Each row's fence (a ``FencedResource``): the highest fencing token that touched it
    /// (a row never locked with a token has none).
    private var fences: [Int: FencedResource<Void>] = [:]
    private var deductions = OrderColumn<Int>()

    /// What a fenced write did.
    enum WriteOutcome: Sendable, Equatable {
        case applied
        /// Its fencing token was lower than the row's highest: rejected.
        case staleToken
        /// A guarded write (`... AND units >= q`) found fewer units than it takes: refused.
        case insufficient
    }

    /// The catalog's stock: `stock` per item, `flashStock` for the flash-sale items (the
    /// last ids, so that they are not also the most popular).
    init(catalog: CatalogSpec) {
        var units = [Int](repeating: catalog.stock, count: catalog.items)
        for item in max(0, catalog.items - catalog.flashItems)..<catalog.items { units[item] = catalog.flashStock }
        self.units = units
        initial = units
    }

    /// Units of `item` in stock.
    func level(_ item: Int) -> Int { units[item] }

    /// Units of `item` in stock, read under fencing token `token`; nil when a newer token
    /// has touched the row (a stale holder must not base a write on what it reads).
    mutating func level(_ item: Int, token: UInt64) -> Int? {
        fences[item, default: FencedResource(())].read(with: FencingToken(token)).map { units[item] }
    }

    /// Whether `order` already deducted stock (its units).
    func deducted(for order: Int64) -> Int? { deductions[order] }

    /// `UPDATE stock SET units = units - q WHERE item = ?`, with an optional fencing token;
    /// `guarded` adds `AND units >= q`, so the write itself checks the stock it takes.
    mutating func decrement(_ item: Int, by quantity: Int, order: Int64, token: UInt64?, guarded: Bool = false) -> WriteOutcome {
        if let token, !fences[item, default: FencedResource(())].write((), with: FencingToken(token)) {
            return .staleToken
        }
        if guarded, units[item] < quantity { return .insufficient }
        units[item] -= quantity
        deductions[order, default: 0] += quantity
        return .applied
    }

    /// Gives stock back for an order (compensation), once; the units given back.
    mutating func restock(_ item: Int, order: Int64) -> Int {
        guard let quantity = deductions.removeValue(forKey: order) else { return 0 }
        units[item] += quantity
        return quantity
    }
}
