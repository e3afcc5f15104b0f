import Foundation
import Testing

@testable import AnomalyDistill

/// The real data sets in `<repo>/../shared/data` (see its README), when that folder is there.
enum RealData {
    /// `<repo>/../shared/data`, found from this file (`<repo>/Tests/AnomalyDistillTests/RealDataTests.swift`).
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/data")

    /// Whether the data folder is present; the suite is skipped otherwise (it is not part of the repository).
    static let available = FileManager.default.fileExists(atPath: directory.appendingPathComponent("nsl_kdd_test.csv").path)

    /// Every `.csv` and `.csv.gz` file in the folder, sorted.
    static let files: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
        .filter { $0.hasSuffix(".csv") || $0.hasSuffix(".csv.gz") }
        .sorted()

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// Rows, features and anomalies of each file, from the folder's README.
    static let expected: [String: (rows: Int, features: Int, anomalies: Int)] = [
        "insurance_claims_fraud.csv": (15_420, 31, 923),
        "polish_bankruptcy_1year.csv": (7_027, 64, 271),
        "bank_marketing_categorical.csv": (41_188, 10, 4_640),
        "nsl_kdd_train20.csv": (25_192, 41, 11_743),
        "nsl_kdd_test.csv": (22_544, 41, 12_833),
        "kdd99_http.csv.gz": (567_498, 3, 2_211),
        "cardio.csv": (1_831, 21, 176),
        "thyroid.csv": (3_772, 6, 93),
        "mammography.csv": (11_183, 6, 260),
        "breastw.csv": (683, 9, 239),
        "steel_plates_fault.csv": (1_941, 27, 673),
        "shuttle.csv": (49_097, 9, 3_511),
        "skab_valve1.csv": (18_160, 8, 6_309),
        "skab_valve2.csv": (4_312, 8, 1_517),
        "skab_other.csv": (14_929, 8, 5_241),
        "skab_anomaly_free.csv": (9_405, 8, 0),
        "nab_machine_temperature.csv": (22_695, 1, 2_268),
        "satimage2.csv": (5_803, 36, 71),
        "vowels.csv": (1_456, 12, 50),
        "cover.csv.gz": (286_048, 10, 2_747),
    ]
}

/// Profiles and tables of the real data sets against the numbers their README (and pandas) give.
/// Skipped with a message where `../shared/data` is absent, e.g. in a bare checkout.
@Suite(.enabled(if: RealData.available, "the real data sets are not in <repo>/../shared/data"))
struct RealDataTests {
    @Test("NSL-KDD test: 22,544 rows, 41 features of which 3 categorical, anomaly ratio 0.5692")
    func nslKDDProfile() throws {
        let profile = try DataProfile.profile(RealData.path("nsl_kdd_test.csv"))
        #expect(profile.rows == 22_544)
        #expect(profile.features == 41)
        #expect(profile.categoricalFeatures == 3)
        #expect(profile.numericFeatures == 38)
        #expect(profile.columns.filter { $0.kind == .categorical }.map(\.name) == ["protocol_type", "service", "flag"])
        #expect(profile.labelColumn == "label")
        #expect(profile.anomalies == 12_833)
        let ratio = try #require(profile.anomalyRatio)
        #expect((ratio * 10_000).rounded() / 10_000 == 0.5692)
        #expect(profile.missingValues == 0)
        #expect(!profile.compressed)
    }

    @Test("every file in the folder profiles, with the README's rows, features and anomalies", arguments: RealData.files)
    func everyFile(_ name: String) throws {
        let profile = try DataProfile.profile(RealData.path(name))
        #expect(profile.compressed == name.hasSuffix(".gz"))
        #expect(profile.labelColumn == "label")
        if let expected = RealData.expected[name] {
            #expect(profile.rows == expected.rows)
            #expect(profile.features == expected.features)
            #expect(profile.anomalies == expected.anomalies)
        } else {
            Issue.record("no expected values for \(name): add them from the data README")
        }
    }

    @Test("the folder holds every file the README lists")
    func folderComplete() {
        #expect(Set(RealData.files) == Set(RealData.expected.keys))
    }

    @Test("Polish bankruptcy: 5,835 missing values in 3,833 rows")
    func polishMissing() throws {
        let profile = try DataProfile.profile(RealData.path("polish_bankruptcy_1year.csv"))
        #expect(profile.missingValues == 5_835)
        #expect(profile.rowsWithMissing == 3_833)
        #expect(profile.columns.first { $0.name == "Attr37" }?.missing == 2_740)
        #expect(profile.columns.first { $0.name == "Attr21" }?.missing == 1_622)
        #expect(profile.columns.filter { $0.missing > 0 }.count == 49)
        #expect(profile.numericFeatures == 64)
    }

    @Test("insurance claims: 24 categorical and 7 numeric features")
    func insuranceKinds() throws {
        let profile = try DataProfile.profile(RealData.path("insurance_claims_fraud.csv"))
        #expect(profile.categoricalFeatures == 24)
        #expect(profile.numericFeatures == 7)
        let numeric = profile.columns.filter { $0.kind == .numeric }.map(\.name)
        #expect(Set(numeric) == ["WeekOfMonth", "WeekOfMonthClaimed", "Age", "RepNumber", "Deductible", "DriverRating", "Year"])
    }

    @Test("time columns of the sensor files are ignored as timestamps",
          arguments: [("skab_valve1.csv", "datetime"), ("nab_machine_temperature.csv", "timestamp")])
    func timeColumns(_ name: String, column: String) throws {
        let profile = try DataProfile.profile(RealData.path(name))
        let time = try #require(profile.columns.first { $0.name == column })
        #expect(time.kind == .ignored)
        #expect(time.reason == "timestamp")
        #expect(profile.ignoredColumns == 1)
    }

    @Test("a table of NSL-KDD test agrees with its profile")
    func nslKDDTableAgreesWithProfile() throws {
        let path = RealData.path("nsl_kdd_test.csv")
        let table = try Table.read(path)
        let profile = try DataProfile.profile(path)
        #expect(table.rowCount == profile.rows)
        let labels = try #require(table.labels)
        #expect(labels.count == profile.rows)
        #expect(labels.reduce(0, +) == profile.anomalies)
        #expect(table.lines.first == 2)
        #expect(table.lines.last == 22_545)
        #expect(table.schema.features.count == profile.features)
        // Column by column, the table's values give the profile's statistics.
        for (index, column) in table.schema.columns.enumerated() {
            let summary = profile.columns[index]
            #expect(summary.kind == column.kind)
            switch table.values[index] {
            case .numeric(let values):
                #expect(values.count == profile.rows)
                let mean = values.reduce(0.0) { $0 + Double($1) } / Double(values.count)
                let expected = try #require(summary.mean)
                #expect(abs(mean - expected) <= 1e-9 * max(1, abs(expected)), "\(column.name)")
                #expect(values.map(Double.init).min() == summary.min, "\(column.name)")
                #expect(values.map(Double.init).max() == summary.max, "\(column.name)")
            case .categorical(let codes, let categories):
                #expect(codes.count == profile.rows)
                #expect(categories.count == summary.categories, "\(column.name)")
                #expect(!codes.contains(-1))
            case .none:
                #expect(column.kind == .label)
            }
        }
        // pandas: src_bytes has mean 10395.450230660043; the service tftp_u appears in this file.
        let srcBytes = try #require(profile.columns.first { $0.name == "src_bytes" }?.mean)
        #expect(abs(srcBytes - 10_395.450230660043) < 1e-3)
        #expect(table.column(named: "service")?.categoryList?.contains("tftp_u") == true)
    }
}
