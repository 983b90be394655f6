//! Connection quality and the Stats panel: each remote tile grades its connection, and the
//! panel (toolbar or Alt+Shift+S) shows what is sent and received, with real figures.

use std::time::Duration;

use satsuma_e2e::scripts::remote_videos_presenting;
use satsuma_e2e::Harness;

const ROOM: &str = "e2e-stats";
const WAIT: Duration = Duration::from_secs(30);

#[tokio::test]
#[ignore = "needs the built app and Chromium: run `cargo xtask test e2e`"]
async fn tiles_grade_their_connection_and_the_stats_panel_shows_real_figures() -> anyhow::Result<()> {
    let harness = Harness::start().await?;
    let ada = harness.browser().await?;
    ada.join(ROOM, "Ada").await?;
    let bob = harness.browser().await?;
    bob.join(ROOM, "Bob").await?;
    bob.wait_for("Bob to see Ada", WAIT, &remote_videos_presenting(1)).await?;
    bob.wait_for(
        "Ada's tile to show a good connection",
        WAIT,
        "const q = document.querySelector('figure.participant[data-name=\"Ada\"] .quality');
         return !!q && q.getAttribute('aria-label') === 'Connection: good';",
    )
    .await?;
    anyhow::ensure!(
        bob.eval("return !document.querySelector('figure.participant[data-name=\"Bob\"] .quality');").await?.as_bool() == Some(true),
        "our own tile has no grade"
    );

    // Closed, it renders nothing; the toolbar opens it.
    anyhow::ensure!(bob.eval("return !document.querySelector('.stats-table');").await?.as_bool() == Some(true));
    bob.button("Stats").await?.click().await?;
    let received_row = "const rows = [...document.querySelectorAll('.stats-table tbody tr')];
         const r = rows.find(r => r.querySelector('th').innerText.startsWith('Ada · video'));
         if (!r) return false;
         const cells = [...r.querySelectorAll('td')].map(c => c.innerText);
         return /^[1-9][0-9]*×[1-9][0-9]*$/.test(cells[1]) && /^[1-9][0-9]* kbit\\/s$/.test(cells[3]) && cells[0].length > 0;";
    bob.wait_for("a received video row with a size and a bitrate", WAIT, received_row).await?;
    bob.wait_for(
        "sent rows, one per simulcast layer",
        WAIT,
        "const layers = [...document.querySelectorAll('.stats-table tbody tr')]
           .filter(r => r.querySelector('th').innerText === 'Sent: video')
           .map(r => r.querySelectorAll('td')[7].innerText);
         return ['a', 'b', 'c'].every(l => layers.includes(l));",
    )
    .await?;
    bob.assert_accessible("call page with the stats open").await?;

    // The shortcut closes it and opens it again.
    let shortcut = "document.dispatchEvent(new KeyboardEvent('keydown', { key: 'S', code: 'KeyS', altKey: true, shiftKey: true, bubbles: true })); return true;";
    bob.eval(shortcut).await?;
    bob.wait_for("Alt+Shift+S to close the stats", Duration::from_secs(5), "return !document.querySelector('.side-panel');").await?;
    bob.eval(shortcut).await?;
    bob.wait_for("Alt+Shift+S to open the stats", Duration::from_secs(5), "return !!document.querySelector('.stats-table');").await?;
    for (who, browser) in [("Ada", &ada), ("Bob", &bob)] {
        browser.assert_no_page_errors(who).await?;
    }
    Ok(())
}
