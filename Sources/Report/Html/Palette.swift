/// Colours for charts: the Okabe–Ito set (distinguishable with the common colour-vision
/// deficiencies), darkened where needed for contrast on white, then Paul Tol's muted
/// set. The same key gets the same colour on every chart of a page.
public struct Palette: Sendable {
    /// The colours in the order they are handed out.
    public static let colours = [
        "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#B07800", "#56B4E9", "#000000",
        "#882255", "#44AA99", "#999933", "#332288", "#AA4499", "#117733", "#888888",
    ]
    /// Fault windows, shaded behind every chart.
    public static let fault = "#D55E00"
    /// Breaker bands.
    public static let breakerClosed = "#DCEFE6", breakerOpen = "#C0392B", breakerHalfOpen = "#E69F00"

    private var keys: [String]

    /// A palette for `keys` (sorted, so the assignment does not depend on their order).
    public init(keys: [String]) { self.keys = Array(Set(keys)).sorted() }

    /// The colour of `key` (keys not given at creation share the last colours).
    public func colour(_ key: String) -> String {
        guard let index = keys.firstIndex(of: key) else { return Self.colours[Self.colours.count - 1] }
        return Self.colours[index % Self.colours.count]
    }
}
