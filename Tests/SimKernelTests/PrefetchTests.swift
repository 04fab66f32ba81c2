@testable import SimKernel
import Testing

/// A prefetch is a hint: it never faults, and it names an object by the address its
/// reference holds.
@Suite("Prefetch")
struct PrefetchTests {
    final class Box { var value = 42 }

    @Test("an object's address is the one its reference holds")
    func addressOfAnObject() {
        let box = Box()
        #expect(Prefetch.address(of: box) == unsafeBitCast(box, to: UnsafeRawPointer.self))
    }

    @Test("a continuation is prefetched at the address of the task it resumes, and prefetching it resumes nothing")
    func taskOfAContinuation() async {
        // The task running this test: the one the continuation below suspends.
        let task = withUnsafeCurrentTask { unsafeBitCast($0, to: UnsafeRawPointer?.self) }
        let value = await withUnsafeContinuation { (continuation: UnsafeContinuation<Int, Never>) in
            Prefetch.task(resumedBy: continuation)
            #expect(unsafeBitCast(continuation, to: UnsafeRawPointer.self) == task)
            continuation.resume(returning: 7)
        }
        #expect(value == 7)
    }

    @Test("a suspended task's header names the frame it resumes in: an await three calls deeper resumes higher in the task's frames")
    func frameOfAContinuation() async {
        // A task of its own, so both awaits' frames lie in the same fresh slab.
        let (shallow, deep) = await Task { () async -> (UInt, UInt) in
            (await Self.resumeContext(depth: 0), await Self.resumeContext(depth: 3))
        }.value
        #expect(shallow >= 4096, "an address, not a flag or a null")
        // The task allocator stacks frames upward: if the word were any other field of
        // the header it would not move with the depth of the await.
        #expect(deep > shallow && deep - shallow < 4096, "\(deep) against \(shallow)")
    }

    /// The word a task's header keeps as where it resumes, read while `depth` more calls
    /// deep the task awaits a continuation (and its frame prefetched, which resumes nothing).
    @inline(never)
    static func resumeContext(depth: Int) async -> UInt {
        if depth > 0 { return await resumeContext(depth: depth - 1) }
        return await withUnsafeContinuation { (continuation: UnsafeContinuation<UInt, Never>) in
            Prefetch.frame(resumedBy: continuation)
            let task = unsafeBitCast(continuation, to: UnsafeRawPointer.self)
            continuation.resume(returning: task.load(fromByteOffset: Prefetch.resumeContextOffset, as: UInt.self))
        }
    }

    @Test("prefetching memory that is not mapped (page zero, a freed object's address) does not fault")
    func unmappedMemoryDoesNotFault() throws {
        // Nothing is mapped at page zero in a user process: a load from it would stop
        // the process, so reaching the end of this test is its result.
        Prefetch.lines(at: try #require(UnsafeRawPointer(bitPattern: 0x40)), count: 4)
        // What a prefetch of a crashed instance's logic meets: an object already freed.
        var stale: UnsafeRawPointer?
        do { stale = Prefetch.address(of: Box()) }
        Prefetch.lines(at: try #require(stale), count: 2)
    }

    @Test("a list of regions keeps up to eight, in the order added, each with its line count, and refuses a ninth")
    func regionsKeepEightInOrder() {
        let boxes = (0..<9).map { _ in Box() }
        var regions = Prefetch.Regions()
        #expect(regions.count == 0)
        for (index, box) in boxes.prefix(8).enumerated() {
            let added = regions.add(box, lines: index + 1)
            #expect(added)
        }
        #expect(regions.count == Prefetch.Regions.capacity)
        let ninth = regions.add(boxes[8], lines: 1)
        #expect(!ninth, "a ninth region fits nowhere")
        var listed: [(UnsafeRawPointer, Int)] = []
        regions.forEach { listed.append(($0, $1)) }
        #expect(listed.map(\.0) == boxes.prefix(8).map { Prefetch.address(of: $0) })
        #expect(listed.map(\.1) == Array(1...8))
        regions.prefetch()
    }

    @Test("a list takes another's regions while there is room, and says when some did not fit")
    func regionsTakeAnothersWhileThereIsRoom() throws {
        let boxes = (0..<10).map { _ in Box() }
        var first = Prefetch.Regions(), second = Prefetch.Regions()
        for box in boxes.prefix(3) { first.add(box, lines: 2) }
        for box in boxes.dropFirst(3).prefix(4) { second.add(box, lines: 3) }
        let allFitted = first.add(contentsOf: second)
        #expect(allFitted)
        #expect(first.count == 7)
        var third = Prefetch.Regions()
        for box in boxes.suffix(3) { third.add(box, lines: 1) }
        let someFitted = first.add(contentsOf: third)
        #expect(!someFitted, "two of the three did not fit")
        var lines: [Int] = []
        first.forEach { lines.append($1) }
        #expect(lines == [2, 2, 2, 3, 3, 3, 3, 1])
        // A region long after its object went (a crashed instance's logic) is still only a hint.
        var stale = Prefetch.Regions()
        do { stale.add(Box(), lines: 4) }
        stale.add(try #require(UnsafeRawPointer(bitPattern: 0x40)), lines: 2)
        // An address a word has no room for is left out, not cut to another address.
        let high = stale.add(try #require(UnsafeRawPointer(bitPattern: UInt(1) << 50)), lines: 1)
        #expect(!high && stale.count == 2)
        stale.prefetch()
    }
}
