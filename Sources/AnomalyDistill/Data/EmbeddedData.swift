import Foundation

/// The small real data set shipped inside the package, so the main job runs with no file.
///
/// The Wisconsin Diagnostic Breast Cancer data (Street, Wolberg & Mangasarian 1993; UCI Machine
/// Learning Repository, CC BY 4.0) as scikit-learn's wheel ships it: 569 rows, 30 numeric features,
/// `label` 1 for the 212 malignant rows (the anomaly class) and 0 for the 357 benign ones.
/// `Scripts/make_embedded_data.py` wrote the file.
public enum EmbeddedData {
    /// The name shown for the embedded file.
    public static let name = "breast_cancer_wisconsin.csv"

    /// The path of the embedded CSV file.
    /// - Throws: `DataError.unreadable` when the package's resource bundle is missing.
    public static func breastCancerPath() throws -> String {
        guard let url = Bundle.module.url(forResource: "breast_cancer_wisconsin", withExtension: "csv") else {
            throw DataError.unreadable(file: name, reason: "the package's resource bundle has no embedded data set")
        }
        return url.path
    }

    /// All normal rows and a seeded sample of anomalies making up `anomalyShare` of the result (as
    /// ODDS built its `wbc` set from this data), in the original row order.
    /// - Throws: `DataError.missingColumn` without labels, `ConfigurationError.invalidSetting` for a share outside (0, 1).
    public static func anomalySubsample(_ table: Table, anomalyShare: Double, seed: UInt64) throws -> Table {
        let labels = try table.requireLabels()
        guard anomalyShare > 0 && anomalyShare < 1 else {
            throw ConfigurationError.invalidSetting(name: "anomaly share", reason: "expected a value in (0, 1), found \(anomalyShare)")
        }
        let normals = labels.indices.filter { labels[$0] == 0 }
        let anomalies = labels.indices.filter { labels[$0] == 1 }
        let keep = min(anomalies.count, Int((Double(normals.count) * anomalyShare / (1 - anomalyShare)).rounded()))
        var random = RandomSource(seed: seed)
        let chosen = random.sample(keep, from: anomalies.count).map { anomalies[$0] }
        return table.rows((normals + chosen).sorted())
    }
}
