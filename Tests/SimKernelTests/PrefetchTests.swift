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
}
