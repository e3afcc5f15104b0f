/// Row indices of a train / validation / test split.
public struct Split: Sendable, Equatable, Codable {
    public var train: [Int]
    public var validation: [Int]
    public var test: [Int]

    /// A seeded split of `count` rows; stratified by `labels` when given, so each part keeps the
    /// anomaly ratio (as scikit-learn's `train_test_split(stratify=)`).
    ///
    /// Each class is shuffled on its own and cut by the fractions (rounded to the nearest row); the
    /// parts are then returned in ascending row order.
    /// - Parameters:
    ///   - count: Number of rows.
    ///   - labels: Optional 0/1 labels (`labels.count == count`).
    ///   - validation: Fraction of rows for validation, in [0, 1).
    ///   - test: Fraction of rows for test, in [0, 1); `validation + test < 1`.
    ///   - random: The seeded generator.
    /// - Throws: `ConfigurationError.invalidSetting` for fractions out of range or a label count mismatch.
    public init(count: Int, labels: [Int]? = nil, validation: Double = 0, test: Double,
                using random: inout RandomSource) throws {
        guard validation >= 0, test >= 0, validation + test < 1 else {
            throw ConfigurationError.invalidSetting(name: "split fractions",
                                            reason: "expected validation ≥ 0, test ≥ 0 and validation + test < 1, found \(validation) and \(test)")
        }
        if let labels, labels.count != count {
            throw DataError.invalidInput(name: "labels", reason: "expected \(count) labels, found \(labels.count)")
        }
        let groups: [[Int]]
        if let labels {
            groups = [(0..<count).filter { labels[$0] == 0 }, (0..<count).filter { labels[$0] != 0 }]
        } else {
            groups = [Array(0..<count)]
        }
        var train: [Int] = [], validationRows: [Int] = [], testRows: [Int] = []
        for var group in groups {
            random.shuffle(&group)
            let testCount = Int((Double(group.count) * test).rounded())
            let validationCount = Int((Double(group.count) * validation).rounded())
            testRows += group.prefix(testCount)
            validationRows += group.dropFirst(testCount).prefix(validationCount)
            train += group.dropFirst(testCount + validationCount)
        }
        self.train = train.sorted()
        self.validation = validationRows.sorted()
        self.test = testRows.sorted()
    }
}
