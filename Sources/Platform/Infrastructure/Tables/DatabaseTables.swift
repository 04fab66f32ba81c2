/// Every service's tables in the database, changed only by statements run on a pooled
/// connection (``DatabaseSession/run(_:_:)``) — or, for the inventory service's stock,
/// through ``Database``'s stock statements, which it runs on one.
struct DatabaseTables: Sendable {
    var orders = OrdersTable()
    var refunds = RefundsTable()
    var dispatch = DispatchTable()
    var outbox = OutboxTable()
    var stock: StockTable
}
