@testable import Platform
import Testing

/// A per-order column answers exactly as the dictionary it replaces would: values by
/// order id, nothing for ids never set, and removal.
@Suite("Order column")
struct OrderColumnTests {
    @Test("holds a value per order id and nothing for ids never set, including ids out of range")
    func valuesByOrder() {
        var riders = OrderColumn<Int>()
        riders[3] = 30
        riders[1] = 10
        #expect(riders[1] == 10)
        #expect(riders[2] == nil, "order 2 sits between two set ids and was never set")
        #expect(riders[3] == 30)
        #expect(riders[4] == nil)
        #expect(riders[0] == nil)
        #expect(riders[-5] == nil)
    }

    @Test("updates in place with a default, and removes a value once")
    func defaultsAndRemoval() {
        var deductions = OrderColumn<Int>()
        deductions[7, default: 0] += 2
        deductions[7, default: 0] += 3
        #expect(deductions[7] == 5)
        #expect(deductions.removeValue(forKey: 7) == 5)
        #expect(deductions.removeValue(forKey: 7) == nil, "a second restock gives nothing back")
        #expect(deductions[7] == nil)
        deductions[9] = nil // removing what was never there changes nothing
        #expect(deductions.entries.isEmpty)
    }

    @Test("lists the orders with a value by ascending id, whatever order they were set in")
    func entriesInIDOrder() {
        var charges = OrderColumn<Int>()
        for order: Int64 in [12, 4, 8, 1] { charges[order] = Int(order) * 10 }
        charges[8] = nil
        #expect(charges.entries.map(\.order) == [1, 4, 12])
        #expect(charges.entries.map(\.value) == [10, 40, 120])
    }

    @Test("any key works: keys below 1 or far past the others are kept aside, and one kept aside never shows through once the array reaches it")
    func outlyingKeys() {
        var keys = OrderColumn<Int64>()
        keys[-3] = 1
        keys[0] = 2
        keys[.max] = 3
        keys[10_000] = 4 // past the empty array's reach (4,096): kept aside
        #expect(keys[-3] == 1)
        #expect(keys[0] == 2)
        #expect(keys[.max] == 3)
        #expect(keys[10_000] == 4)
        for key: Int64 in 1...9_000 { keys[key] = key + 100 } // the array now reaches 18,000
        #expect(keys[10_000] == 4)
        keys[10_000] = nil
        #expect(keys[10_000] == nil, "the value kept aside went with the key")
        #expect(keys[9_000] == 9_100)
        #expect(keys.entries.count == 9_003)
        #expect(keys.entries.first?.order == -3)
        #expect(keys.entries.last?.order == .max)
    }

    @Test("an order table hands out ids from 1 and finds each order by id and by key")
    func ordersByID() {
        var table = OrdersTable()
        let request = { (key: Int64) in OrderRequest(key: key, customer: 1, item: 0, quantity: 1, merchant: 0, amount: 100) }
        let first = table.insert(request(500), idempotent: true, now: 0).record
        let second = table.insert(request(77), idempotent: true, now: 1).record
        #expect([first.id, second.id] == [1, 2])
        #expect(table.insert(request(500), idempotent: true, now: 2).isNew == false)
        let moved = table.transition(2, .reserved, now: 5)
        #expect(moved?.previous == .created)
        #expect(table.order(2)?.state == .reserved)
        #expect(table.order(2)?.changedAt == 5)
        #expect(table.order(1)?.state == .created)
        #expect(table.order(forKey: 77)?.id == 2)
        #expect(table.order(3) == nil)
        #expect(table.order(0) == nil)
        #expect(table.all.map(\.id) == [1, 2])
    }
}
