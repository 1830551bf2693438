<?xml version="1.0" encoding="UTF-8"?>
<!--
  xsltproc-shim.xsl - html.xsl for plain xsltproc, for the benchmark only
  (tools/bench-build.sh): the pr: extension functions pr-publish provides
  in C, as EXSLT func:function stand-ins that do about as much work (they
  do not format dates or look labels up).  tools/bench-build.sh writes a
  copy with the real path of html.xsl in the import.
-->
<xsl:stylesheet version="1.0"
                xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
                xmlns:pr="urn:x-pr-publish"
                xmlns:func="http://exslt.org/functions"
                extension-element-prefixes="func"
                exclude-result-prefixes="pr func">
  <xsl:import href="HTML_XSL"/>

  <func:function name="pr:label">
    <xsl:param name="key"/><xsl:param name="lang"/><xsl:param name="a"/><xsl:param name="b"/>
    <func:result select="concat($key, $a, $b)"/>
  </func:function>
  <func:function name="pr:format-date">
    <xsl:param name="date"/><xsl:param name="lang"/>
    <func:result select="$date"/>
  </func:function>
  <func:function name="pr:format-month">
    <xsl:param name="month"/><xsl:param name="lang"/>
    <func:result select="$month"/>
  </func:function>
  <func:function name="pr:upper">
    <xsl:param name="s"/><xsl:param name="lang"/>
    <func:result select="translate($s, 'abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ')"/>
  </func:function>
  <func:function name="pr:rfc822">
    <xsl:param name="s"/>
    <func:result select="$s"/>
  </func:function>
  <func:function name="pr:json">
    <xsl:param name="s"/>
    <func:result select="concat('&quot;', translate($s, '&quot;&lt;&gt;', ''), '&quot;')"/>
  </func:function>
  <func:function name="pr:safe-url">
    <xsl:param name="href"/>
    <func:result select="$href"/>
  </func:function>
  <func:function name="pr:markup">
    <xsl:param name="tree"/>
    <func:result select="string($tree)"/>
  </func:function>
  <!-- Up to nine pairs; an omitted pair (no name) writes nothing. -->
  <func:function name="pr:json-members">
    <xsl:param name="n1"/><xsl:param name="v1"/><xsl:param name="n2"/><xsl:param name="v2"/><xsl:param name="n3"/><xsl:param name="v3"/><xsl:param name="n4"/><xsl:param name="v4"/><xsl:param name="n5"/><xsl:param name="v5"/><xsl:param name="n6"/><xsl:param name="v6"/><xsl:param name="n7"/><xsl:param name="v7"/><xsl:param name="n8"/><xsl:param name="v8"/><xsl:param name="n9"/><xsl:param name="v9"/>
    <func:result select="concat(pr:shim-member($n1, $v1), pr:shim-member($n2, $v2), pr:shim-member($n3, $v3), pr:shim-member($n4, $v4), pr:shim-member($n5, $v5), pr:shim-member($n6, $v6), pr:shim-member($n7, $v7), pr:shim-member($n8, $v8), pr:shim-member($n9, $v9))"/>
  </func:function>
  <func:function name="pr:shim-member">
    <xsl:param name="name"/><xsl:param name="value"/>
    <func:result select="substring(concat(',&quot;', $name, '&quot;:&quot;', string($value), '&quot;'), 1, 100000 * (string($name) != ''))"/>
  </func:function>
  <!-- The dumped listings carry whole items (pr:fragment's content runs
       from its xsl:fallback). -->
  <func:function name="pr:item">
    <xsl:param name="item" select="."/>
    <func:result select="$item"/>
  </func:function>
  <!-- The dumped inputs carry each release inside its item. -->
  <func:function name="pr:release">
    <xsl:param name="item" select="."/>
    <func:result select="$item/release"/>
  </func:function>
</xsl:stylesheet>
