/// Why a distributed-lock operation did not give (or keep) the caller the lock.
public enum LockError: Error, Sendable, Equatable {
    /// Others held `key` for the whole wait limit (at least one attempt got a reply).
    case timedOut(key: String)
    /// Every attempt on `key` failed without a reply (store down or unreachable), or a
    /// release or renewal got no reply.
    case storeUnavailable(key: String)
    /// The waiting task was cancelled; nothing is held.
    case cancelled
    /// The lock on `key` granted with `fencingToken` expired or was taken while its holder
    /// still relied on it: work done under it may have overlapped with another holder's.
    case lost(key: String, fencingToken: FencingToken)
}
