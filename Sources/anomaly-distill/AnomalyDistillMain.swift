import AnomalyDistillCommands

@main
enum AnomalyDistillMain {
    static func main() async {
        await AnomalyDistillCommand.main()
    }
}
