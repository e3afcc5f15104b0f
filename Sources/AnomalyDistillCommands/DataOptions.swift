import AnomalyDistill
import ArgumentParser

/// Options that override schema inference when reading a data file.
struct DataOptions: ParsableArguments {
    @Option(name: .customLong("label-column"), help: "The 0/1 label column (default: a column named 'label').")
    var labelColumn: String?

    @Option(name: .customLong("categorical"), parsing: .singleValue,
            help: "A column to read as categorical text (repeat, or separate names with commas).")
    var categorical: [String] = []

    @Option(name: .customLong("ignore"), parsing: .singleValue,
            help: "A column to leave out (repeat, or separate names with commas).")
    var ignore: [String] = []

    var readOptions: ReadOptions {
        ReadOptions(labelColumn: labelColumn, categorical: Set(split(categorical)), ignore: Set(split(ignore)))
    }

    private func split(_ values: [String]) -> [String] {
        values.flatMap { $0.split(separator: ",").map(String.init) }
    }
}
