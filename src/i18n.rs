//! Every string the app shows, in English and Japanese: one catalogue, one struct per
//! language. The language follows `navigator.language` unless the person picked one on the
//! landing page, which is remembered.
//!
//! Strings with a `{}` take one value through [`fill`]. English accessible names are the
//! contract names that tests and assistive technology rely on.

use leptos::prelude::*;

/// A language the app speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// English.
    En,
    /// Japanese.
    Ja,
}

impl Lang {
    /// The BCP 47 tag, for `<html lang>`.
    pub fn tag(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Ja => "ja",
        }
    }

    /// Reads a tag such as `ja-JP` or `en-GB`; anything not Japanese is English.
    pub fn from_tag(tag: &str) -> Self {
        let primary = tag.split(['-', '_']).next().unwrap_or_default();
        if primary.eq_ignore_ascii_case("ja") {
            Self::Ja
        } else {
            Self::En
        }
    }

    /// This language's strings.
    pub fn texts(self) -> &'static Texts {
        match self {
            Self::En => &EN,
            Self::Ja => &JA,
        }
    }
}

/// Puts `value` where `template` has `{}`.
pub fn fill(template: &str, value: impl std::fmt::Display) -> String {
    template.replacen("{}", &value.to_string(), 1)
}

const LANG_KEY: &str = "satsuma.lang";

thread_local! {
    // Not arena-owned: a signal made inside the first view that asks would go with it.
    static LANG: ArcRwSignal<Lang> = ArcRwSignal::new(initial());
}

fn initial() -> Lang {
    let window = web_sys::window();
    let saved = window.as_ref().and_then(|w| w.local_storage().ok().flatten()).and_then(|s| s.get_item(LANG_KEY).ok().flatten());
    let tag = saved.or_else(|| window.and_then(|w| w.navigator().language())).unwrap_or_default();
    let lang = Lang::from_tag(&tag);
    mark_document(lang);
    lang
}

fn mark_document(lang: Lang) {
    if let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
        let _ = root.set_attribute("lang", lang.tag());
    }
}

/// The language now, tracked: the app's root reads it, so a switch renders the page anew
/// and every view below reads its strings once, as plain text (a reactive text node per
/// string would cost the bundle tens of kilobytes).
pub fn lang() -> Lang {
    LANG.with(|l| l.get())
}

/// Switches the language and remembers the choice.
pub fn set_lang(lang: Lang) {
    LANG.with(|l| l.set(lang));
    mark_document(lang);
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.set_item(LANG_KEY, lang.tag());
    }
}

/// The strings of the language now (untracked: see [`lang`]).
pub fn t() -> &'static Texts {
    LANG.with(|l| l.get_untracked()).texts()
}

/// The app's strings in one language.
pub struct Texts {
    // Landing
    /// Landing page tagline.
    pub tagline: &'static str,
    /// The button that creates a room.
    pub new_meeting: &'static str,
    /// Label of the room-name field.
    pub join_by_name: &'static str,
    /// Placeholder of the room-name field.
    pub room_placeholder: &'static str,
    /// The button that opens a typed room.
    pub open_room: &'static str,
    /// "Opens" before the normalized path.
    pub opens: &'static str,
    /// The language switch's group label.
    pub language: &'static str,
    // Not found
    /// Heading of the 404 page.
    pub nothing_here: &'static str,
    /// What room names may hold.
    pub room_rule: &'static str,
    /// Link back to the landing page.
    pub start_meeting: &'static str,
    // Watch page
    /// Heading of the watch page, `{}` the room.
    pub watching: &'static str,
    /// Accessible name of the watched video.
    pub stage: &'static str,
    /// While the player connects.
    pub watch_connecting: &'static str,
    /// The connection was lost and the page starts it again.
    pub watch_reconnecting: &'static str,
    /// Nobody shows anything yet (retrying).
    pub watch_nothing_yet: &'static str,
    /// The link's key is wrong, or watching is off.
    pub watch_bad_link: &'static str,
    /// The button that starts playback when the browser wants a gesture.
    pub play: &'static str,
    /// Nobody in the room allowed watching (retrying).
    pub watch_not_allowed: &'static str,
    /// The toggle in the participants panel that lets people watch (contract name).
    pub allow_watching: &'static str,
    /// Before the watch link, `{}` the link.
    pub watch_link: &'static str,
    /// How many watch, `{}` the number.
    pub watching_now: &'static str,
    // Prejoin
    /// Prejoin heading.
    pub ready_to_join: &'static str,
    /// "Room" before the room name.
    pub room: &'static str,
    /// The name field's label (contract: "Your name").
    pub your_name: &'static str,
    /// The name field's placeholder.
    pub name_placeholder: &'static str,
    /// The join button (contract: "Join").
    pub join: &'static str,
    /// Region label of the camera preview.
    pub camera_preview: &'static str,
    /// The self view's label.
    pub your_camera_preview: &'static str,
    /// Shown while the camera opens.
    pub starting_camera: &'static str,
    /// Label of the microphone chooser.
    pub mic_source: &'static str,
    /// Label of the camera chooser.
    pub camera_source: &'static str,
    /// The microphone level meter.
    pub mic_level: &'static str,
    /// Said when a busy room starts us muted.
    pub busy_room_muted: &'static str,
    // Devices
    /// The microphone toggle (contract: "Microphone").
    pub microphone: &'static str,
    /// The camera toggle (contract: "Camera").
    pub camera: &'static str,
    /// "{device} is on".
    pub device_on: &'static str,
    /// "{device} is off".
    pub device_off: &'static str,
    /// A device without a label.
    pub device_n: &'static str,
    /// The microphone, inside a sentence.
    pub the_mic: &'static str,
    /// The camera, inside a sentence.
    pub the_camera: &'static str,
    /// Access denied, for {device}.
    pub err_denied: &'static str,
    /// No such device.
    pub err_not_found: &'static str,
    /// Device busy.
    pub err_not_readable: &'static str,
    /// Device gone.
    pub err_overconstrained: &'static str,
    /// No media on insecure pages.
    pub err_unsupported: &'static str,
    /// Other failure.
    pub err_other: &'static str,
    // Call
    /// The call page's heading, "Call in {room}".
    pub call_in: &'static str,
    /// Status: joining.
    pub joining: &'static str,
    /// Status: reconnecting.
    pub reconnecting: &'static str,
    /// The way out of a failed call.
    pub back: &'static str,
    /// The grid's label.
    pub participants: &'static str,
    /// The pager's label.
    pub pages: &'static str,
    /// Previous page.
    pub previous_page: &'static str,
    /// Next page.
    pub next_page: &'static str,
    /// Toolbar label.
    pub call_controls: &'static str,
    /// Alone in the call.
    pub only_you: &'static str,
    /// "{n} people".
    pub n_people: &'static str,
    /// Contract: "Share screen".
    pub share_screen: &'static str,
    /// Contract: "Raise hand".
    pub raise_hand: &'static str,
    /// Contract: "Hand raised".
    pub hand_raised: &'static str,
    /// Someone speaks now (the participants list).
    pub speaking_now: &'static str,
    /// Copy the room link.
    pub copy_link: &'static str,
    /// After copying.
    pub link_copied: &'static str,
    /// Contract: "Leave".
    pub leave: &'static str,
    /// Contract: "Chat".
    pub chat: &'static str,
    /// "{n} unread".
    pub n_unread: &'static str,
    /// Contract: "Message".
    pub message: &'static str,
    /// Contract: "Send".
    pub send: &'static str,
    /// An empty chat.
    pub no_messages: &'static str,
    /// Closes a side panel.
    pub close: &'static str,
    /// Contract: "React".
    pub react: &'static str,
    /// "{name} reacted".
    pub reacted: &'static str,
    /// Contract: "Pin {name}".
    pub pin: &'static str,
    /// "Unpin {name}".
    pub unpin: &'static str,
    /// "Picture in picture: {name}".
    pub pip: &'static str,
    /// "{name} (you)".
    pub you: &'static str,
    /// "{name}'s screen".
    pub screen_of: &'static str,
    /// "Video of {name}".
    pub video_of: &'static str,
    /// Muted microphone badge.
    pub mic_muted: &'static str,
    /// Camera off, in the participant list.
    pub camera_off: &'static str,
    /// Said when we speak while muted.
    pub you_are_muted: &'static str,
    /// Contract: "Data saver".
    pub data_saver: &'static str,
    /// What Data saver does, as the button's tooltip.
    pub data_saver_hint: &'static str,
    /// Data saver's second step: no incoming video.
    pub audio_only: &'static str,
    /// What Audio only does, as the button's tooltip.
    pub audio_only_hint: &'static str,
    /// The Settings panel and its toolbar button.
    pub settings: &'static str,
    /// The speaker select's label.
    pub speaker_source: &'static str,
    /// Toggle of the browser's noise suppression.
    pub noise_suppression: &'static str,
    /// Toggle of the browser's echo cancellation.
    pub echo_cancellation: &'static str,
    /// Toggle of the browser's automatic gain.
    pub auto_gain: &'static str,
    /// Said when the microphone went away.
    pub mic_unplugged: &'static str,
    /// Said when the camera went away.
    pub camera_unplugged: &'static str,
    /// The Stats panel and its toolbar button.
    pub stats: &'static str,
    /// A tile's connection indicator.
    pub quality_good: &'static str,
    /// A tile's connection indicator.
    pub quality_fair: &'static str,
    /// A tile's connection indicator.
    pub quality_poor: &'static str,
    /// Stats column.
    pub stats_track: &'static str,
    /// Stats column.
    pub stats_codec: &'static str,
    /// Stats column.
    pub stats_resolution: &'static str,
    /// Stats column.
    pub stats_fps: &'static str,
    /// Stats column.
    pub stats_bitrate: &'static str,
    /// Stats column.
    pub stats_loss: &'static str,
    /// Stats column.
    pub stats_rtt: &'static str,
    /// Stats column.
    pub stats_jitter: &'static str,
    /// Stats column.
    pub stats_layer: &'static str,
    /// The Stats panel before any media.
    pub stats_empty: &'static str,
    /// A sent track's row, for the track's kind: {}.
    pub stats_sent: &'static str,
    /// The prejoin button that echoes media through the server.
    pub test_connection: &'static str,
    /// While the test runs.
    pub testing: &'static str,
    /// The echoed video's accessible name.
    pub echo_label: &'static str,
    /// The test's verdict.
    pub verdict_good: &'static str,
    /// The test's verdict.
    pub verdict_fair: &'static str,
    /// The test's verdict.
    pub verdict_poor: &'static str,
    /// The test's verdict.
    pub verdict_failed: &'static str,
    /// A chat message too long.
    pub chat_too_long: &'static str,
    /// Chat or reactions too fast.
    pub too_fast: &'static str,
    /// This browser has no WebRTC: say which browsers can make calls.
    pub no_webrtc: &'static str,
    /// Any other refusal of ours.
    pub not_sent: &'static str,
    /// The SFU refused our microphone.
    pub mic_not_sent: &'static str,
    /// The SFU refused our camera.
    pub camera_not_sent: &'static str,
    /// The SFU refused our screen.
    pub screen_not_sent: &'static str,
    /// Someone's audio never arrived; `{}` is their name.
    pub audio_not_received: &'static str,
    /// Someone's video or screen never arrived; `{}` is their name.
    pub video_not_received: &'static str,
    /// Someone's media never arrived, whose unknown.
    pub not_received: &'static str,
    // Why a call ended
    /// The server refused the name.
    pub fail_name: &'static str,
    /// The room is full.
    pub fail_full: &'static str,
    /// The page is older than the server.
    pub fail_version: &'static str,
    /// The server has too many rooms.
    pub fail_rooms: &'static str,
    /// The server refused the room.
    pub fail_room: &'static str,
    /// Joined from another tab.
    pub fail_replaced: &'static str,
    /// The server cannot be reached.
    pub fail_unreachable: &'static str,
    /// No media session.
    pub fail_session: &'static str,
}

/// English.
pub static EN: Texts = Texts {
    tagline: "Video meetings that open in a browser tab. No account, no install.",
    new_meeting: "New meeting",
    join_by_name: "Or join a room by name",
    room_placeholder: "e.g. team-sync",
    open_room: "Open room",
    opens: "Opens",
    language: "Language",
    nothing_here: "Nothing here",
    room_rule: "Room names use lowercase letters, digits and dashes.",
    start_meeting: "Start a meeting",
    watching: "Watching {}",
    stage: "The meeting's stage",
    watch_connecting: "Connecting…",
    watch_reconnecting: "The connection was lost: reconnecting…",
    watch_nothing_yet: "Nothing to watch yet: waiting for someone to share a camera or a screen.",
    watch_bad_link: "This watch link does not work. Ask for a new one.",
    play: "Play",
    watch_not_allowed: "Nobody in this meeting has allowed watching yet.",
    allow_watching: "Allow watching",
    watch_link: "Anyone with this link can watch: {}",
    watching_now: "{} watching",
    ready_to_join: "Ready to join?",
    room: "Room",
    your_name: "Your name",
    name_placeholder: "How others will see you",
    join: "Join",
    camera_preview: "Camera preview",
    your_camera_preview: "Your camera preview",
    starting_camera: "Starting camera…",
    mic_source: "Microphone source",
    camera_source: "Camera source",
    mic_level: "Microphone level",
    busy_room_muted: "{} people are already here, so your microphone starts off.",
    microphone: "Microphone",
    camera: "Camera",
    device_on: "{} is on",
    device_off: "{} is off",
    device_n: "Device {}",
    the_mic: "microphone",
    the_camera: "camera",
    err_denied: "Access to your {} was denied. Allow it in the browser's site settings, then reload.",
    err_not_found: "No {} was found. You can still join and listen.",
    err_not_readable: "Your {} is busy or failed to start. Close other apps using it and try again.",
    err_overconstrained: "The selected {} is not available. Pick another one.",
    err_unsupported: "This page cannot use your camera or microphone. Open it over https:// or on localhost.",
    err_other: "Your {} could not be started.",
    call_in: "Call in {}",
    joining: "Joining…",
    reconnecting: "Reconnecting…",
    back: "Back",
    participants: "Participants",
    pages: "Pages",
    previous_page: "Previous page",
    next_page: "Next page",
    call_controls: "Call controls",
    only_you: "Only you",
    n_people: "{} people",
    share_screen: "Share screen",
    raise_hand: "Raise hand",
    hand_raised: "Hand raised",
    speaking_now: "Speaking",
    copy_link: "Copy link",
    link_copied: "Link copied",
    leave: "Leave",
    chat: "Chat",
    n_unread: "{} unread",
    message: "Message",
    send: "Send",
    no_messages: "No messages yet. Say hello!",
    close: "Close",
    react: "React",
    reacted: "{} reacted",
    pin: "Pin {}",
    unpin: "Unpin {}",
    pip: "Picture in picture: {}",
    you: "{} (you)",
    screen_of: "{}'s screen",
    video_of: "Video of {}",
    mic_muted: "Microphone muted",
    camera_off: "Camera off",
    you_are_muted: "You are muted. Press the microphone button (Ctrl+D) to speak.",
    data_saver: "Data saver",
    data_saver_hint: "Receive everyone's camera at its lowest quality",
    audio_only: "Audio only",
    audio_only_hint: "Stop receiving cameras; voices and shared screens stay",
    settings: "Settings",
    speaker_source: "Speaker",
    noise_suppression: "Noise suppression",
    echo_cancellation: "Echo cancellation",
    auto_gain: "Automatic gain",
    mic_unplugged: "Your microphone was disconnected; using the default one.",
    camera_unplugged: "Your camera was disconnected; using the default one.",
    stats: "Stats",
    quality_good: "Connection: good",
    quality_fair: "Connection: fair",
    quality_poor: "Connection: poor",
    stats_track: "Track",
    stats_codec: "Codec",
    stats_resolution: "Resolution",
    stats_fps: "Frame rate",
    stats_bitrate: "Bitrate",
    stats_loss: "Loss",
    stats_rtt: "Round trip",
    stats_jitter: "Jitter",
    stats_layer: "Layer",
    stats_empty: "No media yet.",
    stats_sent: "Sent: {}",
    test_connection: "Test connection",
    testing: "Testing…",
    echo_label: "Your video, back from the server",
    verdict_good: "Your network will carry a call well.",
    verdict_fair: "A call will work, with lower video quality.",
    verdict_poor: "Your network is too weak for video: expect audio only.",
    verdict_failed: "The media server could not be reached.",
    chat_too_long: "The message was not sent: it is longer than {} characters.",
    too_fast: "Slow down a little: that was not sent.",
    no_webrtc: "This browser cannot make video calls: it has no WebRTC. Open this page in a recent Firefox, Chrome, Edge or Safari.",
    not_sent: "That was not sent.",
    mic_not_sent: "Your microphone could not be sent. Try leaving and joining again.",
    camera_not_sent: "Your camera could not be sent. Try leaving and joining again.",
    screen_not_sent: "Your screen could not be sent. Try sharing again.",
    audio_not_received: "{}'s audio could not be received. Reloading the page may help.",
    video_not_received: "{}'s video could not be received. Reloading the page may help.",
    not_received: "Someone's video or audio could not be received. Reloading the page may help.",
    fail_name: "The server did not accept that name. Go back and choose another one.",
    fail_full: "This room is full. Try again later, or start a new room.",
    fail_version: "This page is out of date. Reload it to join.",
    fail_rooms: "The server is at its limit of open rooms. Try again in a few minutes.",
    fail_room: "The server did not accept this room. Reload the page, or start a new room.",
    fail_replaced: "You joined this call from another tab or window, so this one has left.",
    fail_unreachable: satsuma_client::UNREACHABLE_WORDS,
    fail_session: "Could not start the media session. Reload the page to try again.",
};

/// Japanese.
pub static JA: Texts = Texts {
    tagline: "ブラウザのタブで開くビデオ会議。アカウントもインストールも不要です。",
    new_meeting: "新しい会議",
    join_by_name: "またはルーム名で参加",
    room_placeholder: "例: team-sync",
    open_room: "ルームを開く",
    opens: "開くページ:",
    language: "言語",
    nothing_here: "ページが見つかりません",
    room_rule: "ルーム名には英小文字、数字、ハイフンが使えます。",
    start_meeting: "会議を始める",
    watching: "{} を視聴中",
    stage: "会議のステージ",
    watch_connecting: "接続しています…",
    watch_reconnecting: "接続が切れました。再接続しています…",
    watch_nothing_yet: "まだ映像がありません。カメラか画面の共有を待っています。",
    watch_bad_link: "この視聴リンクは使えません。新しいリンクをもらってください。",
    play: "再生",
    watch_not_allowed: "この会議はまだ視聴が許可されていません。",
    allow_watching: "視聴を許可",
    watch_link: "このリンクを知っている人は誰でも視聴できます: {}",
    watching_now: "{} 人が視聴中",
    ready_to_join: "参加の準備はできましたか?",
    room: "ルーム",
    your_name: "あなたの名前",
    name_placeholder: "ほかの参加者に表示される名前",
    join: "参加",
    camera_preview: "カメラのプレビュー",
    your_camera_preview: "あなたのカメラのプレビュー",
    starting_camera: "カメラを起動しています…",
    mic_source: "使用するマイク",
    camera_source: "使用するカメラ",
    mic_level: "マイクの音量",
    busy_room_muted: "すでに{}人が参加しているため、マイクはオフで始まります。",
    microphone: "マイク",
    camera: "カメラ",
    device_on: "{}はオンです",
    device_off: "{}はオフです",
    device_n: "デバイス {}",
    the_mic: "マイク",
    the_camera: "カメラ",
    err_denied: "{}へのアクセスが拒否されました。ブラウザのサイト設定で許可してから再読み込みしてください。",
    err_not_found: "{}が見つかりません。参加して聞くことはできます。",
    err_not_readable: "{}が使用中か、起動できませんでした。ほかのアプリを閉じてもう一度お試しください。",
    err_overconstrained: "選択した{}は使用できません。別のものを選んでください。",
    err_unsupported: "このページではカメラやマイクを使えません。https:// または localhost で開いてください。",
    err_other: "{}を起動できませんでした。",
    call_in: "{}の通話",
    joining: "参加しています…",
    reconnecting: "再接続しています…",
    back: "戻る",
    participants: "参加者",
    pages: "ページ",
    previous_page: "前のページ",
    next_page: "次のページ",
    call_controls: "通話の操作",
    only_you: "あなただけ",
    n_people: "{}人",
    share_screen: "画面を共有",
    raise_hand: "挙手",
    hand_raised: "挙手中",
    speaking_now: "発言中",
    copy_link: "リンクをコピー",
    link_copied: "コピーしました",
    leave: "退出",
    chat: "チャット",
    n_unread: "未読{}件",
    message: "メッセージ",
    send: "送信",
    no_messages: "まだメッセージはありません。",
    close: "閉じる",
    react: "リアクション",
    reacted: "{}さんのリアクション",
    pin: "{}をピン留め",
    unpin: "{}のピン留めを解除",
    pip: "ピクチャー・イン・ピクチャー: {}",
    you: "{}(あなた)",
    screen_of: "{}さんの画面",
    video_of: "{}さんの映像",
    mic_muted: "マイクはミュート中",
    camera_off: "カメラはオフ",
    you_are_muted: "ミュート中です。話すにはマイクのボタン(Ctrl+D)を押してください。",
    data_saver: "データセーバー",
    data_saver_hint: "カメラ映像を最低画質で受信します",
    audio_only: "音声のみ",
    audio_only_hint: "カメラ映像の受信を止めます（音声と画面共有は続きます）",
    settings: "設定",
    speaker_source: "使用するスピーカー",
    noise_suppression: "ノイズ抑制",
    echo_cancellation: "エコーキャンセル",
    auto_gain: "自動ゲイン調整",
    mic_unplugged: "マイクが切断されました。既定のマイクを使います。",
    camera_unplugged: "カメラが切断されました。既定のカメラを使います。",
    stats: "統計",
    quality_good: "接続: 良好",
    quality_fair: "接続: 普通",
    quality_poor: "接続: 不安定",
    stats_track: "トラック",
    stats_codec: "コーデック",
    stats_resolution: "解像度",
    stats_fps: "フレームレート",
    stats_bitrate: "ビットレート",
    stats_loss: "損失",
    stats_rtt: "往復遅延",
    stats_jitter: "ジッター",
    stats_layer: "レイヤー",
    stats_empty: "まだメディアがありません。",
    stats_sent: "送信: {}",
    test_connection: "接続をテスト",
    testing: "テスト中…",
    echo_label: "サーバーから戻ったあなたの映像",
    verdict_good: "通話に十分なネットワークです。",
    verdict_fair: "通話はできますが、映像の画質が下がります。",
    verdict_poor: "映像には弱いネットワークです。音声のみになる可能性があります。",
    verdict_failed: "メディアサーバーに接続できませんでした。",
    chat_too_long: "送信できませんでした: {}文字を超えています。",
    too_fast: "少し間をおいてください。送信されませんでした。",
    no_webrtc: "このブラウザーではビデオ通話ができません（WebRTC がありません）。最新の Firefox、Chrome、Edge、Safari でこのページを開いてください。",
    not_sent: "送信できませんでした。",
    mic_not_sent: "マイクの音声を送れませんでした。退出してもう一度参加してください。",
    camera_not_sent: "カメラの映像を送れませんでした。退出してもう一度参加してください。",
    screen_not_sent: "画面を共有できませんでした。もう一度共有してください。",
    audio_not_received: "{}さんの音声を受信できませんでした。ページを再読み込みすると直ることがあります。",
    video_not_received: "{}さんの映像を受信できませんでした。ページを再読み込みすると直ることがあります。",
    not_received: "映像または音声を受信できませんでした。ページを再読み込みすると直ることがあります。",
    fail_name: "この名前はサーバーに受け付けられませんでした。戻って別の名前を選んでください。",
    fail_full: "このルームは満員です。しばらくしてからもう一度試すか、新しいルームを始めてください。",
    fail_version: "このページは古くなっています。再読み込みしてから参加してください。",
    fail_rooms: "サーバーで開けるルーム数が上限に達しています。数分後にもう一度お試しください。",
    fail_room: "このルームはサーバーに受け付けられませんでした。再読み込みするか、新しいルームを始めてください。",
    fail_replaced: "別のタブかウィンドウからこの通話に参加したため、こちらは退出しました。",
    fail_unreachable: "会議サーバーに接続できません。接続を確認してから、もう一度参加してください。このサーバーの運営者で、ページを別の場所で公開している場合は、そのアドレスを ALLOWED_ORIGINS に追加してください。",
    fail_session: "メディアセッションを開始できませんでした。ページを再読み込みしてもう一度お試しください。",
};

/// Why the call ended, in the page's language.
pub fn failure_words(failure: &satsuma_client::Failure) -> &'static str {
    use satsuma_client::Failure;
    use satsuma_protocol::room::ErrorCode;
    let t = t();
    match failure {
        Failure::Refused(ErrorCode::BadName) => t.fail_name,
        Failure::Refused(ErrorCode::RoomFull) => t.fail_full,
        Failure::Refused(ErrorCode::BadVersion) => t.fail_version,
        Failure::Refused(ErrorCode::TooManyRooms) => t.fail_rooms,
        Failure::Refused(_) => t.fail_room,
        Failure::Replaced => t.fail_replaced,
        Failure::Unreachable => t.fail_unreachable,
        Failure::NoSession(_) => t.fail_session,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags() {
        assert_eq!(Lang::from_tag("ja"), Lang::Ja);
        assert_eq!(Lang::from_tag("ja-JP"), Lang::Ja);
        assert_eq!(Lang::from_tag("JA_jp"), Lang::Ja);
        assert_eq!(Lang::from_tag("en-US"), Lang::En);
        assert_eq!(Lang::from_tag("jam"), Lang::En);
        assert_eq!(Lang::from_tag(""), Lang::En);
    }

    #[test]
    fn fill_puts_one_value() {
        assert_eq!(fill(EN.pin, "Alice"), "Pin Alice");
        assert_eq!(fill(JA.n_people, 3), "3人");
        // A name holding `{}` is not filled again.
        assert_eq!(fill(EN.pin, "{}"), "Pin {}");
    }
}
