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
  <!-- The dumped inputs carry each release inside its item. -->
  <!-- The dumped listings carry whole items (pr:fragment's content runs
       from its xsl:fallback). -->
  <func:function name="pr:item">
    <xsl:param name="item" select="."/>
    <func:result select="$item"/>
  </func:function>
  <func:function name="pr:release">
    <xsl:param name="item" select="."/>
    <func:result select="$item/release"/>
  </func:function>
</xsl:stylesheet>
