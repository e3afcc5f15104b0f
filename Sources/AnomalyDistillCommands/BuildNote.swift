import AnomalyDistill

/// The warning printed with timings from a build without optimisation.
enum BuildNote {
    static let text = "Note: this is a debug build, whose timings are 10–100× slower than the product's; "
        + "build with `swift build -c release` (or `swift run -c release anomaly-distill …`) for true figures."
}
