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
}
