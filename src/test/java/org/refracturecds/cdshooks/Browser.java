package org.refracturecds.cdshooks;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.logging.Level;

import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * Debian's headless Chromium driven by Selenium, started once for the whole test run and quit when
 * the JVM ends. Selenium is given the browser and its driver (/usr/bin/chromium,
 * /usr/bin/chromedriver, from the packages chromium and chromium-driver that .ci/run installs),
 * so it downloads nothing. Without them the browser tests are skipped on a developer's machine
 * and fail on CI.
 */
public final class Browser {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path DRIVER = Path.of("/usr/bin/chromedriver");
    private static ChromeDriver driver;

    private Browser() {
    }

    public static synchronized ChromeDriver get() {
        if (driver == null) {
            boolean installed = Files.isExecutable(CHROMIUM) && Files.isExecutable(DRIVER);
            if (!installed && System.getenv("CI") != null) {
                throw new IllegalStateException("chromium and chromium-driver are not installed: .ci/run installs them"
                        + " with apt-get");
            }
            assumeTrue(installed, "no headless Chromium here: apt-get install chromium chromium-driver");
            ChromeOptions options = new ChromeOptions();
            options.setBinary(CHROMIUM.toFile());
            options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--window-size=1100,1400", "--no-first-run", "--disable-extensions", "--disable-sync",
                    "--disable-background-networking", "--disable-component-update", "--disable-default-apps");
            LoggingPreferences logs = new LoggingPreferences();
            logs.enable(LogType.BROWSER, Level.ALL);
            options.setCapability("goog:loggingPrefs", logs);
            options.setExperimentalOption("prefs", Map.of("credentials_enable_service", false));
            ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile())
                    .usingAnyFreePort().build();
            driver = new ChromeDriver(service, options);
            driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
            ChromeDriver started = driver;
            Runtime.getRuntime().addShutdownHook(new Thread(started::quit));
        }
        return driver;
    }
}
