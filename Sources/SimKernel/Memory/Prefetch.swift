/// Asks the processor to start loading memory a step will touch soon, without waiting
/// for it (x86 `prefetcht0`, Arm `prfm pldl1keep`; nothing where there is no such
/// instruction). A hint: it never faults, even on an address that is not mapped, and
/// changes no result, only how long the loads that follow wait.
///
/// Worth it only where the model knows, some steps ahead, what it will touch: the
/// instance round robin picks next, the task a reply in flight will resume (a
/// millisecond of virtual time is dozens of steps, long enough for the lines to
/// arrive), the timers next in line (``TimerQueue``'s lookahead: a step or more). A
/// big world's instances and suspended tasks are cold in the processor's caches, and a
/// step that reaches them waits for memory once per object it touches, one after the
/// other; prefetched ahead, they are there when the step comes.
///
/// It takes an address, kept from when the object was made (``address(of:)``), not a
/// reference: passing a reference retains it, and the retain writes to the object's
/// header, so it waits for the very memory asked for.
///
/// ```swift
/// let address = Prefetch.address(of: instance)   // once, when the instance is made
/// Prefetch.lines(at: address, count: 18)         // a pick before the instance's next call
/// ```
public enum Prefetch {
    /// The processor's cache line, the unit a prefetch brings.
    public static let lineSize = 64

    /// Prefetches `count` cache lines from `address` on.
    @inlinable @inline(__always)
    public static func lines(at address: UnsafeRawPointer, count: Int) {
        var offset = 0
        while offset < count * lineSize {
            // rw 0 (a read), locality 3 (keep in every level), cache type 1 (data).
            _prefetch(address + offset, 0, 3, 1)
            offset += lineSize
        }
    }

    /// Prefetches the task `continuation` will resume: its header (flags, status and
    /// where it resumes, the first four lines), which a resume reads first, and the
    /// four lines after it, where the runtime places the task's first context, allocated
    /// with the task (the entry closure's locals, which a handler's loop returns to
    /// between calls). An unsafe continuation is its task's address, so this touches
    /// nothing of the task itself.
    @inlinable @inline(__always)
    public static func task<T, E: Error>(resumedBy continuation: UnsafeContinuation<T, E>) {
        lines(at: unsafeBitCast(continuation, to: UnsafeRawPointer.self), count: 8)
    }

    /// Prefetches the frame the task `continuation` will resume into: the async context
    /// its header names as where it resumes (`AsyncTask::ResumeContext`, the word at byte
    /// 64 of a task in the runtime's ABI on 64-bit platforms), from two lines below it
    /// (its callers' contexts, which a return reaches) to three above. A sleeper resumed
    /// by a timer, or a caller by its reply, first writes its result there and then runs
    /// from there, and in a big world a suspended task's frames are as cold as its
    /// header.
    ///
    /// Reads that word, so the header should have been asked for a step earlier
    /// (``task(resumedBy:)``); a word that is not an address is left alone.
    @inlinable @inline(__always)
    public static func frame<T, E: Error>(resumedBy continuation: UnsafeContinuation<T, E>) {
        let task = unsafeBitCast(continuation, to: UnsafeRawPointer.self)
        let context = task.load(fromByteOffset: resumeContextOffset, as: UInt.self)
        guard context >= 4096, let start = UnsafeRawPointer(bitPattern: context - 2 * UInt(lineSize)) else { return }
        lines(at: start, count: 5)
    }

    /// Where a task's header keeps the context it resumes from (Swift's `AsyncTask`: a
    /// 64-byte job header, then `ResumeContext`).
    @usableFromInline static let resumeContextOffset = 64

    /// Where `object` lives, to prefetch it later without holding it: passing a
    /// reference retains the object, which writes to its header, and so waits for the
    /// memory the prefetch is meant to bring.
    @inlinable @inline(__always)
    public static func address(of object: AnyObject) -> UnsafeRawPointer {
        UnsafeRawPointer(Unmanaged.passUnretained(object).toOpaque())
    }
}

extension Prefetch {
    /// Up to eight regions of memory that one step will touch, in as many objects, kept
    /// to be asked for together: a service instance lists what a call reaches after its
    /// arrival (the role's logic, its connection pool, the clients of the services it
    /// calls).
    ///
    /// Kept inline, one cache line (an address and a line count packed in each word),
    /// so that reading the list waits for nothing more than the object holding it: a
    /// list in a buffer of its own would be one more cold line before the first
    /// prefetch could start.
    ///
    /// ```swift
    /// var regions = Prefetch.Regions()
    /// regions.add(logic, lines: 8)     // when the objects are made
    /// regions.add(pool, lines: 15)
    /// regions.prefetch()               // a step or more before they are needed
    /// ```
    ///
    /// Few and short on purpose: a processor tracks a limited number of lines in flight
    /// (a core has a couple of dozen miss buffers), and a prefetch beyond that waits for
    /// one to free, which is the very wait it was meant to take off the step.
    public struct Regions: Sendable {
        /// Regions a list holds.
        public static let capacity = 8
        /// Each word: an address in the low 48 bits, its line count above; 0 ends the list.
        private var words: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)

        public init() {}

        /// The regions listed.
        public var count: Int {
            withUnsafeBytes(of: words) { raw in
                (0..<Self.capacity).first { raw.load(fromByteOffset: $0 * 8, as: UInt64.self) == 0 } ?? Self.capacity
            }
        }

        /// Lists `lines` cache lines of `object` from its start (its header and first
        /// stored properties); returns false, listing nothing, when the list is full.
        @discardableResult
        public mutating func add(_ object: AnyObject, lines: Int) -> Bool {
            add(Prefetch.address(of: object), lines: lines)
        }

        /// Lists `lines` cache lines from `address` (1 … 65,535); returns false, listing
        /// nothing, when the list is full, or for an address at or above 2^48 (which a
        /// word has no room for: user memory lies below it on x86-64 and on Arm's usual
        /// 48-bit address spaces; a prefetch is only a hint, so it is left out).
        @discardableResult
        public mutating func add(_ address: UnsafeRawPointer, lines: Int) -> Bool {
            precondition(lines > 0 && lines <= 0xFFFF, "a region of 1 to 65,535 lines")
            let bits = UInt64(UInt(bitPattern: address))
            let position = count
            guard position < Self.capacity, bits >> 48 == 0 else { return false }
            withUnsafeMutableBytes(of: &words) { raw in
                raw.storeBytes(of: bits | UInt64(lines) << 48, toByteOffset: position * 8, as: UInt64.self)
            }
            return true
        }

        /// Lists as many of `other`'s regions as there is room for; returns whether all fitted.
        @discardableResult
        public mutating func add(contentsOf other: Regions) -> Bool {
            var all = true
            other.forEach { address, lines in all = add(address, lines: lines) && all }
            return all
        }

        /// Asks for every region listed.
        @inline(__always)
        public func prefetch() {
            forEach { address, lines in Prefetch.lines(at: address, count: lines) }
        }

        /// Calls `body` with each region listed, in the order they were added.
        @inline(__always)
        public func forEach(_ body: (UnsafeRawPointer, Int) -> Void) {
            withUnsafeBytes(of: words) { raw in
                for position in 0..<Self.capacity {
                    let word = raw.load(fromByteOffset: position * 8, as: UInt64.self)
                    guard word != 0 else { return }
                    body(UnsafeRawPointer(bitPattern: UInt(word & 0xFFFF_FFFF_FFFF)).unsafelyUnwrapped, Int(word >> 48))
                }
            }
        }
    }
}

/// LLVM's prefetch intrinsic, reached by its symbol name: Swift has no spelling of its
/// own for it, and a C target for one instruction would be a dependency of the build.
@usableFromInline @_silgen_name("llvm.prefetch.p0")
func _prefetch(_ address: UnsafeRawPointer, _ readWrite: Int32, _ locality: Int32, _ cacheType: Int32)
