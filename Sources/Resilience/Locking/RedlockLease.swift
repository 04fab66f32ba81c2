/// A lock held on a majority of Redlock's stores, valid until ``validUntil``.
public struct RedlockLease<C: Clock>: Sendable where C.Duration == Duration {
    /// The locked key.
    public let key: String
    /// The owner value every store knows this lease by.
    public let owner: LockOwner
    /// When the winning attempt started (client's clock).
    public let acquiredAt: C.Instant
    /// `acquiredAt + ttl − drift`: after this the holder must not rely on the lock.
    public let validUntil: C.Instant
    /// How many stores granted it.
    public let grantedBy: Int
    /// The clock validity is measured on.
    public let clock: C

    /// Whether the validity has not yet run out.
    public var isValid: Bool { clock.now < validUntil }
}
