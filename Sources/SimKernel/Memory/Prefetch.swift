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

    /// Prefetches the header of the task `continuation` will resume (its flags, status
    /// and where it resumes: the first four lines), which a resume reads first. An unsafe
    /// continuation is its task's address, so this touches nothing of the task itself.
    @inlinable @inline(__always)
    public static func task<T, E: Error>(resumedBy continuation: UnsafeContinuation<T, E>) {
        lines(at: unsafeBitCast(continuation, to: UnsafeRawPointer.self), count: 4)
    }

    /// Where `object` lives, to prefetch it later without holding it: passing a
    /// reference retains the object, which writes to its header, and so waits for the
    /// memory the prefetch is meant to bring.
    @inlinable @inline(__always)
    public static func address(of object: AnyObject) -> UnsafeRawPointer {
        UnsafeRawPointer(Unmanaged.passUnretained(object).toOpaque())
    }
}

/// LLVM's prefetch intrinsic, reached by its symbol name: Swift has no spelling of its
/// own for it, and a C target for one instruction would be a dependency of the build.
@usableFromInline @_silgen_name("llvm.prefetch.p0")
func _prefetch(_ address: UnsafeRawPointer, _ readWrite: Int32, _ locality: Int32, _ cacheType: Int32)
