/// Every service's tables in the database, changed only by statements run on a pooled
/// connection (``DatabaseSession/run(_:_:)``) — or, for the inventory service's stock,
/// through ``Database``'s stock statements, which it runs on one.
struct DatabaseTables: Sendable {
    /// The order service's orders (the one record of each order's state).
    var orders = OrdersTable()
    /// The order service's refunds owed and confirmed.
    var refunds = RefundsTable()
    /// The dispatch service's assignments and searches.
    var dispatch = DispatchTable()
    /// The payment service's outbox.
    var outbox = OutboxTable()
    /// The inventory service's stock.
    var stock: StockTable
}
