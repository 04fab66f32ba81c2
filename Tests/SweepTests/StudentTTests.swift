import Sweep
import Testing

@Suite("Student t")
struct StudentTTests {
    @Test("the 97.5% quantiles match the printed table (df 1, 2, 4, 9, 29, 1000)")
    func quantilesMatchTable() {
        let table: [(Int, Double)] = [(1, 12.7062), (2, 4.3027), (4, 2.7764), (9, 2.2622), (29, 2.0452), (1000, 1.9623)]
        for (df, expected) in table {
            #expect(abs(StudentT.quantile(0.975, degreesOfFreedom: df) - expected) < 1e-4, "df \(df)")
        }
    }
}
