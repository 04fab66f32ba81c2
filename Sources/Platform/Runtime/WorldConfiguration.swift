import Resilience
import SimKernel

extension Simulation {
    /// A library configuration made from world fields. The world reader validates every
    /// field it reads (with its file location), so a ``ConfigurationError`` here is a bug
    /// in the reader, not a user's mistake: the run stops as ``StopReason/failed(_:)``
    /// with a message naming `what` and the field, and `fallback` stands in until the
    /// current job ends.
    ///
    /// ```swift
    /// let configuration = sim.configured("broker queue \(name)", {
    ///     try MessageQueueConfiguration(name: name, maxLength: spec.maxLength)
    /// }, fallback: { .defaults })
    /// ```
    func configured<T>(_ what: String, _ make: () throws(ConfigurationError) -> T, fallback: () -> T) -> T {
        do {
            return try make()
        } catch {
            fail(Self.readerBug(what, error))
            return fallback()
        }
    }

    /// The failure message for a world-derived configuration the library refused.
    static func readerBug(_ what: String, _ error: ConfigurationError) -> String {
        "invalid configuration of \(what) (the world reader should have refused it): \(error)"
    }
}
