<?php
/**
 * The router for `php -S`: what the web server (or the host in front of it) does before WordPress.
 *
 * Real files are served as they are; everything else goes to WordPress's index.php (pretty permalinks).
 * Two host-level conditions act here: `force_https` (every plain-http request is redirected to the TLS
 * front, as a host or "Really Simple SSL" does) and `rest_blocked: "everyone"` (a firewall rule that
 * answers 404 to every REST API request, /wp-json/ and ?rest_route= alike).
 */

$fixture_root       = rtrim( $_SERVER['DOCUMENT_ROOT'], '/' );
$fixture_site       = json_decode( file_get_contents( $fixture_root . '/fixture-site.json' ), true );
$fixture_conditions = json_decode( (string) @file_get_contents( $fixture_root . '/wp-content/fixture-conditions.json' ), true );
if ( ! is_array( $fixture_conditions ) ) {
	$fixture_conditions = array();
}
$fixture_via_tls = isset( $_SERVER['HTTP_X_FIXTURE_TLS'] ) && hash_equals( $fixture_site['tls_token'], $_SERVER['HTTP_X_FIXTURE_TLS'] );
$fixture_path    = (string) parse_url( $_SERVER['REQUEST_URI'], PHP_URL_PATH );

if ( ! empty( $fixture_conditions['force_https'] ) && ! $fixture_via_tls ) {
	header( 'Location: ' . $fixture_site['https_url'] . $_SERVER['REQUEST_URI'], true, 301 );
	exit;
}

if ( 'everyone' === ( $fixture_conditions['rest_blocked'] ?? '' )
	&& ( 0 === strpos( $fixture_path, '/wp-json' ) || isset( $_GET['rest_route'] ) ) ) {
	http_response_code( 404 );
	header( 'Content-Type: text/html; charset=utf-8' );
	echo "<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>\n";
	exit;
}

if ( '/' !== $fixture_path && file_exists( $fixture_root . $fixture_path ) ) {
	return false; // a real file or folder (wp-admin/, wp-login.php, a cached .js): php -S serves it
}

$_SERVER['SCRIPT_NAME']     = '/index.php';
$_SERVER['PHP_SELF']        = '/index.php';
$_SERVER['SCRIPT_FILENAME'] = $fixture_root . '/index.php';
chdir( $fixture_root );
require $fixture_root . '/index.php';
