#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Backs the process's malloc heap with 2 MiB transparent huge pages (Linux with glibc;
/// elsewhere it does nothing).
///
/// A big world resumes millions of tasks whose memory has gone cold since their last
/// step. With 4 KiB pages each such touch misses the TLB as well as the caches (the
/// second-level TLB's 2,048 entries cover 8 MiB; a ×100 world's heap is 2.4 GB), and the
/// page walk that follows misses the caches too. With 2 MiB pages the same TLB covers
/// 4 GiB. A small world fits either way, so this is what keeps a world's cost per step
/// from growing with its size.
///
/// Linux backs memory with huge pages only where the process asks (`madvise`; the usual
/// `transparent_hugepage=madvise` setting), and glibc grows its heap with `brk` into
/// fresh pages that have not asked. So ``enable()`` has malloc grow the heap in 64 MiB
/// steps and keep blocks up to 32 MiB in it (rather than each in a mapping of its own),
/// and ``adviseGrowth()`` asks for huge pages for whatever the heap has grown by since
/// its last call; the run loop calls it every ``Simulation/progressSteps`` steps. Memory
/// touched between a growth and the next call keeps small pages: a few MB of a run's GB.
///
/// Nothing a world computes depends on where its memory lies: digests are the same
/// with or without huge pages.
///
/// ```swift
/// HugePageHeap.enable()        // once, first thing in main (on the thread that runs worlds)
/// let result = sim.run()       // the run loop calls HugePageHeap.adviseGrowth()
/// ```
///
/// The environment variable `DELIVERYSIM_HUGE_PAGES=0` turns it off, to measure the
/// difference.
public enum HugePageHeap {
    /// The heap from where ``enable()`` found its end; nil until enabled.
    private static let growth = Mutex<HeapGrowth?>(nil)

    /// Sets malloc up to grow in huge-page-sized steps and marks the heap grown from now
    /// on for huge pages. Returns whether it is in effect (false on other systems, when
    /// turned off, or when malloc refuses the settings). Call it once, before the big
    /// allocations, from the thread that will allocate them (glibc's `brk` heap is the
    /// main thread's).
    @discardableResult
    public static func enable() -> Bool {
        #if os(Linux) && canImport(Glibc)
        if let setting = getenv("DELIVERYSIM_HUGE_PAGES"), String(cString: setting) == "0" { return false }
        // glibc's <malloc.h> is not part of the Glibc module: its mallopt is looked up.
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let process = dlopen(nil, RTLD_NOW), let symbol = dlsym(process, "mallopt") else { return false }
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        let trimThreshold: Int32 = -1, topPad: Int32 = -2, mmapThreshold: Int32 = -3  // M_* in <malloc.h>
        // 64 MiB of slack on every growth: few growths, each many huge pages wide.
        guard mallopt(topPad, 64 << 20) == 1,
              // Blocks up to 32 MiB (glibc's most) come from the heap, not mappings of their own.
              mallopt(mmapThreshold, 32 << 20) == 1,
              // Giving the top of the heap back would only have it grown again, unadvised.
              mallopt(trimThreshold, 256 << 20) == 1 else { return false }
        let end = UInt(bitPattern: sbrk(0))
        growth.withLock { $0 = HeapGrowth(start: end, pageSize: UInt(sysconf(Int32(_SC_PAGESIZE)))) }
        return true
        #else
        return false
        #endif
    }

    /// Whether ``enable()`` is in effect.
    public static var isEnabled: Bool { growth.withLock { $0 != nil } }

    /// Asks for huge pages for the heap grown since the last call. Cheap when nothing
    /// grew (one `sbrk(0)`); a no-op when not enabled.
    public static func adviseGrowth() {
        #if os(Linux) && canImport(Glibc)
        let end = UInt(bitPattern: sbrk(0))
        guard let range = growth.withLock({ $0?.advance(to: end) }) else { return }
        _ = advise(range)
        #endif
    }

    /// Asks the kernel to back `range` (page-aligned addresses) with huge pages; returns
    /// whether it agreed.
    static func advise(_ range: Range<UInt>) -> Bool {
        #if os(Linux) && canImport(Glibc)
        guard let start = UnsafeMutableRawPointer(bitPattern: range.lowerBound) else { return false }
        return madvise(start, Int(range.upperBound - range.lowerBound), MADV_HUGEPAGE) == 0
        #else
        return false
        #endif
    }
}

/// The bookkeeping of ``HugePageHeap``: which part of a growing (and sometimes
/// shrinking) heap is still to be advised. A pure value; the addresses come from
/// `sbrk(0)`.
struct HeapGrowth: Equatable {
    /// Where advice ends so far (page-aligned): everything from the heap's start to here
    /// has been advised.
    private(set) var advisedEnd: UInt
    let pageSize: UInt

    /// A heap whose end is at `start` now: only what grows past it will be advised.
    init(start: UInt, pageSize: UInt) {
        self.pageSize = pageSize
        advisedEnd = Self.roundUp(start, pageSize)
    }

    /// The heap ends at `end` now: returns the range not yet advised (whole pages), if
    /// any. A heap that shrank is advised again from its new end when it regrows, since
    /// regrown pages are a new mapping without the advice.
    mutating func advance(to end: UInt) -> Range<UInt>? {
        let alignedEnd = end / pageSize * pageSize
        guard alignedEnd > advisedEnd else {
            advisedEnd = Swift.min(advisedEnd, Self.roundUp(end, pageSize))
            return nil
        }
        defer { advisedEnd = alignedEnd }
        return advisedEnd..<alignedEnd
    }

    private static func roundUp(_ address: UInt, _ page: UInt) -> UInt { (address + page - 1) / page * page }
}
