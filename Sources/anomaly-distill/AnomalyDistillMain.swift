import AnomalyDistillCommands

@main
enum AnomalyDistillMain {
    static func main() async {
        AnomalyDistillCommand.prepare()
        await AnomalyDistillCommand.main()
    }
}
