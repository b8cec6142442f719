package org.refracturecds.workbench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.refracturecds.cdshooks.Browser;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The workbench in a real browser (the test run's one headless Chromium), signing in through the
 * test run's OpenID Connect provider: an author raises the High band's lower bound, sees a
 * scenario fail on the cell and in the scenario list, fixes it and submits; an approver approves;
 * every node's status shows the new version and the audit trail each step. Screenshots are kept
 * under target/screenshots/.
 */
class WorkbenchBrowserTest {

    static final String HIGH_BOUND = "td[data-file='bands.drl.csv'][data-row='15'][data-col='2']";
    static final String HIGH_MEANING = "td[data-file='bands.drl.csv'][data-row='15'][data-col='5']";

    @TempDir
    static Path dir;
    static WorkbenchService service;

    @BeforeAll
    static void start() throws Exception {
        service = new WorkbenchService(dir);
    }

    @AfterAll
    static void stop() throws Exception {
        service.close();
    }

    private static ChromeDriver browser() {
        ChromeDriver browser = Browser.get();
        browser.manage().deleteAllCookies();
        return browser;
    }

    /**
     * Waits up to a minute; an element replaced while it is read (the page reloading after a form:
     * Chromium says "stale element" or "node does not belong to the document") is read again.
     */
    private static WebDriverWait waiting(ChromeDriver browser) {
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60));
        wait.ignoring(WebDriverException.class);
        return wait;
    }

    private static void screenshot(ChromeDriver browser, String name) throws Exception {
        Files.createDirectories(Path.of("target/screenshots"));
        Files.write(Path.of("target/screenshots", name + ".png"), browser.getScreenshotAs(OutputType.BYTES));
    }

    private static void signInThroughTheHospital(ChromeDriver browser, String subject, String name, String group) {
        OidcProvider.next(subject, name, List.of(group));
        browser.get(service.base + "/workbench");
        browser.findElement(By.id("signin-oidc")).click();
        waiting(browser).until(b -> b.findElements(By.id("who")).size() == 1);
        assertTrue(browser.findElement(By.id("who")).getText().contains(name), browser.findElement(By.id("who")).getText());
    }

    private static void signOut(ChromeDriver browser) {
        browser.findElement(By.cssSelector(".signout button")).click();
        waiting(browser).until(b -> b.findElements(By.id("signin")).size() == 1);
    }

    /** Types into a grid cell as a person does: select what is there, type over it. */
    private static void type(ChromeDriver browser, String cell, String text) {
        WebElement input = browser.findElement(By.cssSelector(cell + " input"));
        input.sendKeys(Keys.chord(Keys.CONTROL, "a"), text);
    }

    /** Waits until the page has shown the checks with the scenarios run, for the value just typed. */
    private static void checked(ChromeDriver browser) {
        waiting(browser).until(b -> "scenarios".equals(b.findElement(By.id("main")).getAttribute("data-checked"))
                && !b.findElement(By.id("check-summary")).getText().contains("Running"));
    }

    @Test
    void aSignedOutBrowser_seesOnlyTheSignIn() {
        ChromeDriver browser = browser();
        for (String path : List.of("/workbench", "/workbench/drafts/1", "/workbench/audit")) {
            browser.get(service.base + path);
            assertEquals(1, browser.findElements(By.id("signin")).size(), path);
            assertEquals(0, browser.findElements(By.id("who")).size(), path);
            assertEquals(0, browser.findElements(By.id("grids")).size(), path);
        }
    }

    @Test
    void anAuthorRaisesHigh_seesAScenarioFail_fixesIt_andSubmits_thenAnApproverApproves_andEveryNodeServesIt()
            throws Exception {
        ChromeDriver browser = browser();
        String liveBefore = status(browser).path("sha256").asText();

        signInThroughTheHospital(browser, "u-2001", "Dr Ada Author", OidcProvider.AUTHORS);
        browser.findElement(By.id("note")).sendKeys("Say 'percent' in the High band's meaning");
        browser.findElement(By.cssSelector("#new-draft button")).click();
        try {
            waiting(browser).until(b -> !b.findElements(By.cssSelector(HIGH_BOUND + " input")).isEmpty());
        } catch (RuntimeException e) {
            browser.manage().logs().get(org.openqa.selenium.logging.LogType.BROWSER).forEach(System.out::println);
            throw e;
        }
        checked(browser);
        assertEquals("0.20", browser.findElement(By.cssSelector(HIGH_BOUND + " input")).getAttribute("value"));
        assertEquals("Lower bound (probability), row 15 (high)",
                browser.findElement(By.cssSelector(HIGH_BOUND + " input")).getAttribute("aria-label"));
        assertTrue(browser.findElement(By.cssSelector("td[data-file='bands.drl.csv'][data-row='15'][data-col='1']"))
                .getAttribute("class").contains("locked"));

        type(browser, HIGH_BOUND, "0.30");
        checked(browser);
        WebElement cell = browser.findElement(By.cssSelector(HIGH_BOUND));
        assertTrue(cell.getAttribute("class").contains("problem"), cell.getAttribute("class"));
        String onTheCell = cell.findElement(By.cssSelector(".cell-problem")).getText();
        assertTrue(onTheCell.contains("fail"), onTheCell);
        assertTrue(onTheCell.contains("band was Moderate, expected high"), onTheCell);
        List<WebElement> failing = browser.findElements(By.cssSelector("#scenario-list tr.fail"));
        assertFalse(failing.isEmpty());
        assertTrue(failing.get(0).getText().contains("pass FAIL"), failing.get(0).getText());
        assertTrue(browser.findElement(By.id("submit")).getAttribute("disabled") != null, "cannot submit while it fails");
        assertEquals("true", browser.findElement(By.cssSelector(HIGH_BOUND + " input")).getAttribute("aria-invalid"));
        screenshot(browser, "workbench-scenario-fails");

        type(browser, HIGH_BOUND, "0.2O");
        waiting(browser).until(b -> b.findElement(By.id("check-summary")).getText().contains("do not compile"));
        assertTrue(browser.findElement(By.cssSelector(HIGH_BOUND + " .cell-problem")).getText()
                .contains("type a number"));

        type(browser, HIGH_BOUND, "0.20");
        checked(browser);
        type(browser, HIGH_MEANING, "predicted risk of 20 percent or more");
        checked(browser);
        assertTrue(browser.findElement(By.id("check-summary")).getText().contains("Ready to submit"),
                browser.findElement(By.id("check-summary")).getText());
        assertTrue(browser.findElements(By.cssSelector("#scenario-list tr.fail")).isEmpty());
        assertTrue(browser.findElement(By.id("change-list")).getText()
                .contains("predicted risk of 20% or more predicted risk of 20 percent or more"));
        new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("pv-phase"))).selectByValue("post-operative");
        new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("pv-npec"))).selectByVisibleText("upper-and-lower");
        browser.findElement(By.id("preview-run")).click();
        waiting(browser).until(b -> !b.findElements(By.id("card-summary")).isEmpty());
        assertTrue(browser.findElement(By.id("card-summary")).getText().startsWith("After PVP"));
        assertFalse(browser.findElements(By.cssSelector("tr.fired")).isEmpty(), "the guidance rows that fired are outlined");
        screenshot(browser, "workbench-preview");
        browser.findElement(By.id("scenario-name")).sendKeys("After PVP, a cleft with no cement contact");
        browser.findElement(By.id("keep")).click();
        checked(browser);
        assertTrue(browser.findElement(By.id("scenario-list")).getText().contains("After PVP, a cleft with no cement contact"
                + " tests/workbench.yaml:"), browser.findElement(By.id("scenario-list")).getText());
        browser.findElement(By.id("submit")).click();
        waiting(browser).until(b -> b.findElement(By.id("draft-state")).getText().equals("submitted"));
        assertTrue(browser.findElements(By.id("approve")).isEmpty(), "an author has no approve button");
        String draftUrl = browser.getCurrentUrl();
        signOut(browser);

        signInThroughTheHospital(browser, "u-2002", "Dr Ben Approver", OidcProvider.APPROVERS);
        browser.get(draftUrl);
        waiting(browser).until(b -> !b.findElements(By.id("change-list")).isEmpty());
        screenshot(browser, "workbench-review");
        browser.findElement(By.id("approve")).click();
        waiting(browser).until(b -> b.findElement(By.id("draft-state")).getText().equals("published"));

        JsonNode status = status(browser);
        assertNotEquals(liveBefore, status.path("sha256").asText());
        assertEquals(status.path("sha256").asText(), status.path("published").path("sha256").asText());
        assertTrue(status.path("inSync").asBoolean());
        browser.get(service.base + "/workbench/audit");
        String audit = browser.findElement(By.id("audit")).getText();
        for (String step : List.of("draft-created", "draft-submitted", "draft-approved", "rules-published")) {
            assertTrue(audit.contains(step), step + " in\n" + audit);
        }
        screenshot(browser, "workbench-audit");
        signOut(browser);
        browser.get(draftUrl);
        assertEquals(0, browser.findElements(By.id("grids")).size(), "signed out, the draft is not shown");
    }

    private static JsonNode status(ChromeDriver browser) throws Exception {
        browser.get(service.base + "/rules/status");
        return new ObjectMapper().readTree(browser.findElement(By.tagName("body")).getText());
    }
}
