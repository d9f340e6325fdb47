<?php
/**
 * Plugin Name: Fixture conditions
 * Description: Plays the real-world conditions named in wp-content/fixture-conditions.json (read by wp-config.php on every request), with no restart: a security plugin, a "disable REST API" plugin, AccessAlly active or not, plain or pretty permalinks, a canonical host, tracking tags, a stale page cache.
 *
 * tests/support/real_wordpress.py writes the file; the HTML it prints comes ready-made from Python
 * (the app's own tracking snippets, restyled as a speed plugin or a consent banner would).
 */

function fixture_condition( $name, $default = null ) {
	return $GLOBALS['fixture_conditions'][ $name ] ?? $default;
}

/** A page cache answers anonymous GETs of plain URLs; a query string or a login cookie bypasses it. */
function fixture_is_cached_view() {
	if ( ! fixture_condition( 'page_cache' ) || 'GET' !== $_SERVER['REQUEST_METHOD'] || ! empty( $_SERVER['QUERY_STRING'] ) ) {
		return false;
	}
	foreach ( array_keys( $_COOKIE ) as $cookie ) {
		if ( 0 === strpos( $cookie, 'wordpress_logged_in_' ) ) {
			return false;
		}
	}
	return true;
}

/** The head HTML for one part ("tracking" printed by the AccessAlly stub, "extra" by this plugin). */
function fixture_head_html( $part ) {
	$version = fixture_is_cached_view() ? 'stale' : 'current';
	return (string) ( fixture_condition( 'head', array() )[ $version ][ $part ] ?? '' );
}

// A security plugin (Wordfence, "Disable Application Passwords", Two Factor, AIOWPS).
if ( fixture_condition( 'app_passwords_off' ) ) {
	add_filter( 'wp_is_application_passwords_available', '__return_false' );
}

// AccessAlly active or not; "missing" also hides its folder (real_wordpress.py renames it).
add_filter(
	'option_active_plugins',
	static function ( $plugins ) {
		$plugins = array_values( array_diff( (array) $plugins, array( 'accessally/accessally.php' ) ) );
		if ( 'active' === fixture_condition( 'accessally', 'active' ) ) {
			$plugins[] = 'accessally/accessally.php';
		}
		return $plugins;
	}
);

// Pretty permalinks; the rewrite rules are rebuilt on each request and never stored.
if ( 'pretty' === fixture_condition( 'permalinks', 'plain' ) ) {
	add_filter( 'pre_option_permalink_structure', static fn() => '/%postname%/' );
	add_filter( 'pre_option_rewrite_rules', static fn() => array() );
	add_filter( 'pre_update_option_rewrite_rules', static fn( $value, $old ) => $old, 10, 2 );
}

// A "disable REST API" plugin: the discovery link goes from the head and the headers.
$fixture_rest_blocked = fixture_condition( 'rest_blocked', '' );
if ( $fixture_rest_blocked ) {
	remove_action( 'wp_head', 'rest_output_link_wp_head', 10 );
	remove_action( 'template_redirect', 'rest_output_link_header', 11 );
}
if ( 'logged_out' === $fixture_rest_blocked ) {
	// What "Disable WP REST API" (Jeff Starr) does: 401 for every visitor who is not logged in.
	add_filter(
		'rest_authentication_errors',
		static function ( $access ) {
			if ( ! is_user_logged_in() ) {
				return new WP_Error( 'rest_login_required', 'REST API restricted to authenticated users.', array( 'status' => rest_authorization_required_code() ) );
			}
			return $access;
		}
	);
}

// Google Tag Manager and anything else that is not AccessAlly's.
add_action( 'wp_head', static fn() => print( fixture_head_html( 'extra' ) ), 1 );

// A page cache in front of the site: what it serves to plain URLs is older HTML.
add_action(
	'send_headers',
	static function () {
		if ( ! fixture_condition( 'page_cache' ) ) {
			return;
		}
		if ( fixture_is_cached_view() ) {
			header( 'X-Cache: HIT' );
			header( 'Age: 5400' );
		} else {
			header( 'X-Cache: BYPASS' );
		}
	}
);

// The canonical host: WordPress itself redirects only www <-> non-www; the fixture plays that with
// localhost <-> 127.0.0.1 (pages redirect to the home address, the REST API answers on both).
add_action(
	'template_redirect',
	static function () {
		$home = wp_parse_url( home_url() );
		$host = strtolower( (string) wp_parse_url( 'http://' . $_SERVER['HTTP_HOST'], PHP_URL_HOST ) );
		if ( fixture_condition( 'canonical_host' ) && $host !== strtolower( $home['host'] ) ) {
			$port = isset( $home['port'] ) ? ':' . $home['port'] : '';
			wp_redirect( $home['scheme'] . '://' . $home['host'] . $port . $_SERVER['REQUEST_URI'], 301 );
			exit;
		}
	},
	9
);

// Through the TLS front, URLs WordPress makes https (it does when is_ssl()) point at the front's port:
// the front plays the https side of one host name that answers on both schemes.
add_filter(
	'set_url_scheme',
	static function ( $url ) {
		$parts = wp_parse_url( $url );
		if ( ! $GLOBALS['fixture_via_tls'] || 'https' !== ( $parts['scheme'] ?? '' ) || (int) ( $parts['port'] ?? 0 ) !== (int) wp_parse_url( $GLOBALS['fixture_site']['url'], PHP_URL_PORT ) ) {
			return $url;
		}
		$front = (int) wp_parse_url( $GLOBALS['fixture_site']['https_url'], PHP_URL_PORT );
		return preg_replace( '#^(https://[^/:]+):\d+#', '${1}:' . $front, $url );
	}
);
