package org.refracturecds.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;

import org.refracturecds.engine.RulesCache;
import org.refracturecds.fhirout.ModuleDevice;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The top-level command; each subcommand writes to the streams it is given, so tests capture them. */
@Command(name = "pvp-refracture-cds", mixinStandardHelpOptions = true,
        description = "Risk of refracture of the cemented vertebra after percutaneous vertebroplasty"
                + " (Xiong et al., BMC Musculoskelet Disord 2021;22:459).",
        subcommands = CommandLine.HelpCommand.class)
final class Cli {

    /** Exit code for input that cannot be assessed (and for a wrong command line). */
    static final int BAD_INPUT = 2;
    /** Exit code for rule files that do not compile. */
    static final int BAD_RULES = 1;
    /** Exit code for a FHIR server that cannot be used: unreachable, not FHIR, credentials refused. */
    static final int SERVER = 4;
    /** Exit code for a resource that does not validate against the profiles. */
    static final int INVALID = 1;

    /** Why a file cannot be read or written, in words: "no such file", "no such folder: out", not NoSuchFileException. */
    static String reason(IOException e) {
        if (e instanceof NoSuchFileException missing) {
            // Writing into a folder that is not there fails so too: say which.
            Path file = missing.getFile() == null ? null : Path.of(missing.getFile());
            Path folder = file == null ? null : file.getParent();
            return folder != null && !Files.isDirectory(folder) ? "no such folder: " + folder : "no such file";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileSystemException fs && fs.getReason() != null) {
            return fs.getReason();
        }
        return e.getMessage() == null ? "read error" : e.getMessage();
    }

    /** {@code -V} on the command and every subcommand: the version the RiskAssessments name as performer. */
    private static void withVersion(CommandLine command, String version) {
        command.getCommandSpec().version(version);
        command.getSubcommands().values().forEach(sub -> withVersion(sub, version));
    }

    static int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
        return run(args, in, out, err, Clock.systemUTC(), RulesCache.fromEnvironment(System.getenv(), ModuleDevice.VERSION));
    }

    /** @param clock the time written as the assessments' occurrence */
    static int run(String[] args, InputStream in, PrintStream out, PrintStream err, Clock clock) {
        return run(args, in, out, err, clock, RulesCache.off());
    }

    /** @param rulesCache where compiled rules are kept between runs (assess, calibrate, serve, rules) */
    static int run(String[] args, InputStream in, PrintStream out, PrintStream err, Clock clock, RulesCache rulesCache) {
        CommandLine commandLine = new CommandLine(new Cli())
                .addSubcommand(new AssessCommand(in, out, clock, rulesCache))
                .addSubcommand(new ServeCommand(clock, rulesCache))
                .addSubcommand(new RulesCommand(rulesCache))
                .addSubcommand(new ValidateCommand())
                .addSubcommand(new CalibrateCommand(clock, rulesCache))
                .addSubcommand(new SubscribeCommand(clock));
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        withVersion(commandLine, ModuleDevice.NAME + " " + ModuleDevice.VERSION);
        commandLine.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        commandLine.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        // An option or argument picocli cannot take: said as every error of the command line is, with a code
        // and what to do, not followed by the whole usage.
        commandLine.setParameterExceptionHandler((e, given) -> {
            PrintWriter problems = e.getCommandLine().getErr();
            String said = e.getMessage().replace("is not a double", "is not a number").replace("is not an int", "is not a"
                    + " whole number");
            problems.println("error [PVP-C004] " + said + ": `" + e.getCommandLine().getCommandSpec()
                    .qualifiedName() + " --help` lists what it takes");
            CommandLine.UnmatchedArgumentException.printSuggestions(e, problems);
            return BAD_INPUT;
        });
        commandLine.setExecutionExceptionHandler((e, cl, parsed) -> {
            // A defect, not the input's or the user's: said as such, with what a report needs, not as a stack trace.
            cl.getErr().println("error [PVP-X001] unexpected failure, a defect of the module (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage().lines().findFirst().orElse("")) + ", at "
                    + Arrays.stream(e.getStackTrace()).limit(1).map(StackTraceElement::toString).findFirst().orElse("?")
                    + "): the command did not finish; please report this line with the command line and the shape of the"
                    + " input (no patient data)");
            return 3;
        });
        return commandLine.execute(args);
    }
}
