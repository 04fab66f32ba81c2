/// Finds the allowed name a misspelt one most likely meant, for "did you mean" hints.
public enum NearestName {
    /// The candidate closest to `name` by Damerau–Levenshtein distance (optimal string
    /// alignment: insertions, deletions, substitutions and adjacent transpositions each
    /// cost 1), if it is close enough to be a plausible typo: at most 1 edit for names of
    /// up to 4 characters, 2 up to 8, 3 beyond, and fewer edits than the name has
    /// characters. Ties go to the earlier candidate, so the answer is deterministic.
    ///
    /// With `caseInsensitive` (the default), case differences are free: `Workers` → `workers`.
    public static func nearest(to name: String, in candidates: [String], caseInsensitive: Bool = true) -> String? {
        let target = Array((caseInsensitive ? name.lowercased() : name).unicodeScalars)
        guard !target.isEmpty, target.count <= 64 else { return nil }
        var best: (name: String, distance: Int)?
        for candidate in candidates {
            let scalars = Array((caseInsensitive ? candidate.lowercased() : candidate).unicodeScalars)
            guard scalars.count <= 64 else { continue }
            let length = max(scalars.count, target.count)
            let allowed = min(length <= 4 ? 1 : length <= 8 ? 2 : 3, max(0, min(scalars.count, target.count) - 1))
            let distance = Self.distance(target, scalars, cutoff: allowed)
            guard distance <= allowed else { continue }
            if distance < best?.distance ?? .max { best = (candidate, distance) }
        }
        return best?.name
    }

    /// Optimal-string-alignment distance; returns `cutoff + 1` as soon as the distance
    /// must exceed `cutoff`.
    static func distance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar], cutoff: Int) -> Int {
        if abs(a.count - b.count) > cutoff { return cutoff + 1 }
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        let width = b.count + 1
        var previous2 = [Int](repeating: 0, count: width)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: width)
        for i in 1...a.count {
            current[0] = i
            var rowMinimum = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    value = min(value, previous2[j - 2] + 1)
                }
                current[j] = value
                rowMinimum = min(rowMinimum, value)
            }
            if rowMinimum > cutoff { return cutoff + 1 }
            (previous2, previous, current) = (previous, current, previous2)
        }
        return previous[b.count]
    }
}
