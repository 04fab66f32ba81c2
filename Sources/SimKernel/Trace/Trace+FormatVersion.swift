extension Trace {
    /// The version of how events fold into a digest (and are written as events). Raised
    /// whenever the same run would get a different digest for a reason other than the
    /// model changing, so that digests recorded under different versions are not compared.
    public static let formatVersion = 1
}
